// Payload commands (netFn App 06h) — IPMI 2.0 §24.1 Activate Payload, §24.2 Deactivate Payload, §24.4 Get Payload
// Activation Status, §24.5 Get Payload Instance Info, §24.8 Get Channel Payload Support, §24.9 Get Channel
// Payload Version, on the definitions in protocols/ipmi/commands/payload.ts. SOL (payload type 01h) is the one
// activatable payload; activations live in model.sol.
import {
  ActivatePayload, DeactivatePayload, GetChannelPayloadSupport, GetChannelPayloadVersion, GetPayloadActivationStatus,
  GetPayloadInstanceInfo,
} from '../../../protocols/ipmi/commands/payload.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { PayloadType } from '../../../protocols/ipmi/session-v20.js';
import { ActivatePayloadCC, DeactivatePayloadCC, NO_VLAN, PayloadVersionCC, SolActivationFlag } from '../../../protocols/sol/activation.js';
import type { SolConfig } from '../sol-config.js';
import { handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

/** Payload types this channel carries (§13.27.3): IPMI and SOL, and the RMCP+ session setup payloads. */
const STANDARD_PAYLOADS = [PayloadType.IPMI, PayloadType.SOL];
const SESSION_SETUP_PAYLOADS = [
  PayloadType.OPEN_SESSION_REQUEST, PayloadType.OPEN_SESSION_RESPONSE,
  PayloadType.RAKP1, PayloadType.RAKP2, PayloadType.RAKP3, PayloadType.RAKP4,
];
const SUPPORTED_PAYLOADS = new Set<number>([...STANDARD_PAYLOADS, ...SESSION_SETUP_PAYLOADS]);
/** Payload format version 1.0 for every supported type (§24.9). */
const FORMAT_VERSION = { major: 1, minor: 0 };
/** Activate Payload auxiliary response data: test mode not supported, the rest reserved. */
const NO_TEST_MODE = new Uint8Array(4);

/** SOL payload instances run 1..capacity (§24.1). */
function validInstance(sol: SolConfig, instance: number): boolean {
  return instance >= 1 && instance <= sol.capacity;
}

export const payloadCommands: readonly CommandSpec[] = [
  handler(ActivatePayload, (r, ctx) => {
    const { sol, lan } = ctx.model;
    if (r.payloadType !== PayloadType.SOL || !validInstance(sol, r.instance)) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!sol.enabled) return refuse(ActivatePayloadCC.TYPE_DISABLED);
    if (ctx.session.privilege < sol.privilege) return refuse(CompletionCode.INSUFFICIENT_PRIVILEGE);
    if (sol.active(r.instance)) return refuse(ActivatePayloadCC.ALREADY_ACTIVE);
    const encryptionRequested = (r.auxiliary[0] & SolActivationFlag.ENCRYPTION) !== 0;
    // An encrypted session carries SOL encrypted; a console asking for plaintext there is refused (§24.1 84h).
    if (ctx.session.encrypted === true && !encryptionRequested) return refuse(ActivatePayloadCC.CANNOT_ACTIVATE_WITHOUT_ENCRYPTION);
    sol.activate({ instance: r.instance, sessionId: ctx.session.id }, ctx.now);
    return {
      auxiliary: NO_TEST_MODE,
      inboundPayloadSize: sol.inboundPayloadSize,
      outboundPayloadSize: sol.outboundPayloadSize,
      port: sol.port,
      vlan: lan.vlanEnabled ? lan.vlanId : NO_VLAN,
    };
  }),
  handler(DeactivatePayload, (r, ctx) => {
    const sol = ctx.model.sol;
    if (r.payloadType !== PayloadType.SOL || !validInstance(sol, r.instance)) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!sol.active(r.instance)) return refuse(sol.enabled ? DeactivatePayloadCC.ALREADY_DEACTIVATED : DeactivatePayloadCC.TYPE_DISABLED);
    if (ctx.session.privilege < sol.privilege) return refuse(CompletionCode.INSUFFICIENT_PRIVILEGE);
    sol.deactivate(r.instance, ctx.session.id, ctx.now);
  }),
  handler(GetPayloadActivationStatus, (r, ctx) => {
    if (r.payloadType !== PayloadType.SOL) return refuse(CompletionCode.INVALID_DATA_FIELD);
    const sol = ctx.model.sol;
    return { capacity: sol.capacity, active: sol.activeInstances().map((a) => a.instance) };
  }),
  handler(GetPayloadInstanceInfo, (r, ctx) => {
    const sol = ctx.model.sol;
    if (r.payloadType !== PayloadType.SOL || !validInstance(sol, r.instance)) return refuse(CompletionCode.INVALID_DATA_FIELD);
    const a = sol.active(r.instance);
    return { sessionId: a ? a.sessionId : 0, portNumber: a ? sol.serialPort : 0 };
  }),
  handler(GetChannelPayloadSupport, (r, ctx) => {
    if (ctx.model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
    return { standard: STANDARD_PAYLOADS, sessionSetup: SESSION_SETUP_PAYLOADS, oem: [] };
  }),
  handler(GetChannelPayloadVersion, (r, ctx) => {
    if (ctx.model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!SUPPORTED_PAYLOADS.has(r.payloadType)) return refuse(PayloadVersionCC.TYPE_NOT_AVAILABLE);
    return FORMAT_VERSION;
  }),
];
