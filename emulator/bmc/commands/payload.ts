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
import type { BmcModel } from '../model.js';
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

export function payloadCommands(model: BmcModel): CommandSpec[] {
  const sol = model.sol;
  const validInstance = (instance: number) => instance >= 1 && instance <= sol.capacity;
  return [
    handler(ActivatePayload, (r, ctx) => {
      if (r.payloadType !== PayloadType.SOL || !validInstance(r.instance)) return refuse(CompletionCode.INVALID_DATA_FIELD);
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
        vlan: model.lan.vlanEnabled ? model.lan.vlanId : NO_VLAN,
      };
    }),
    handler(DeactivatePayload, (r, ctx) => {
      if (r.payloadType !== PayloadType.SOL || !validInstance(r.instance)) return refuse(CompletionCode.INVALID_DATA_FIELD);
      if (!sol.active(r.instance)) return refuse(sol.enabled ? DeactivatePayloadCC.ALREADY_DEACTIVATED : DeactivatePayloadCC.TYPE_DISABLED);
      if (ctx.session.privilege < sol.privilege) return refuse(CompletionCode.INSUFFICIENT_PRIVILEGE);
      sol.deactivate(r.instance, ctx.session.id, ctx.now);
    }),
    handler(GetPayloadActivationStatus, (r) => {
      if (r.payloadType !== PayloadType.SOL) return refuse(CompletionCode.INVALID_DATA_FIELD);
      return { capacity: sol.capacity, active: sol.activeInstances().map((a) => a.instance) };
    }),
    handler(GetPayloadInstanceInfo, (r) => {
      if (r.payloadType !== PayloadType.SOL || !validInstance(r.instance)) return refuse(CompletionCode.INVALID_DATA_FIELD);
      const a = sol.active(r.instance);
      return { sessionId: a ? a.sessionId : 0, portNumber: a ? sol.serialPort : 0 };
    }),
    handler(GetChannelPayloadSupport, (r) => {
      if (model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
      return { standard: STANDARD_PAYLOADS, sessionSetup: SESSION_SETUP_PAYLOADS, oem: [] };
    }),
    handler(GetChannelPayloadVersion, (r) => {
      if (model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
      if (!SUPPORTED_PAYLOADS.has(r.payloadType)) return refuse(PayloadVersionCC.TYPE_NOT_AVAILABLE);
      return FORMAT_VERSION;
    }),
  ];
}
