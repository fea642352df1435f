// Payload commands (netFn App 06h) — IPMI 2.0 §24.1 Activate Payload, §24.2 Deactivate Payload, §24.4 Get Payload
// Activation Status, §24.5 Get Payload Instance Info, §24.8 Get Channel Payload Support, §24.9 Get Channel
// Payload Version. SOL (payload type 01h) is the one activatable payload; activations live in model.sol.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { PayloadType } from '../../../protocols/ipmi/session-v20.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import {
  ActivatePayloadCC, DeactivatePayloadCC, NO_VLAN, PayloadCommand, PayloadVersionCC, SolActivationFlag,
  decodeChannelPayloadRequest, decodeGetPayloadActivationStatusRequest, decodeGetPayloadInstanceInfoRequest,
  decodePayloadInstanceRequest, encodeActivatePayloadResponse, encodeChannelPayloadSupport, encodePayloadActivationStatus,
  encodePayloadInstanceInfo, encodePayloadVersion,
} from '../../../protocols/sol/activation.js';
import type { BmcModel } from '../model.js';
import { fail, ok } from './request-data.js';
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

/** A session view that may also say whether the session negotiated confidentiality (not all layers provide it). */
export function payloadCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.APP;
  const sol = model.sol;
  const validInstance = (instance: number) => instance >= 1 && instance <= sol.capacity;
  return [
    {
      // request: payload type, instance, auxiliary data (4); response: aux (4), in size, out size, port, VLAN
      netFn: N, cmd: PayloadCommand.ACTIVATE, name: 'Activate Payload', privilege: Privilege.USER,
      handle: (req, ctx) => {
        const r = decodePayloadInstanceRequest(req.data);
        if (r.payloadType !== PayloadType.SOL || !validInstance(r.instance)) return fail(CompletionCode.INVALID_DATA_FIELD);
        if (!sol.enabled) return fail(ActivatePayloadCC.TYPE_DISABLED);
        if (ctx.session.privilege < sol.privilege) return fail(CompletionCode.INSUFFICIENT_PRIVILEGE);
        if (sol.active(r.instance)) return fail(ActivatePayloadCC.ALREADY_ACTIVE);
        const encryptionRequested = (r.auxiliary[0] & SolActivationFlag.ENCRYPTION) !== 0;
        // An encrypted session carries SOL encrypted; a console asking for plaintext there is refused (§24.1 84h).
        if (ctx.session.encrypted === true && !encryptionRequested) {
          return fail(ActivatePayloadCC.CANNOT_ACTIVATE_WITHOUT_ENCRYPTION);
        }
        sol.activate({ instance: r.instance, sessionId: ctx.session.id }, ctx.now);
        return ok(encodeActivatePayloadResponse({
          auxiliary: new Uint8Array(4), // test mode not supported
          inboundPayloadSize: sol.inboundPayloadSize,
          outboundPayloadSize: sol.outboundPayloadSize,
          port: sol.port,
          vlan: model.lan.vlanEnabled ? model.lan.vlanId : NO_VLAN,
        }));
      },
    },
    {
      // request: payload type, instance, auxiliary data (4); response: completion code only
      netFn: N, cmd: PayloadCommand.DEACTIVATE, name: 'Deactivate Payload', privilege: Privilege.USER,
      handle: (req, ctx) => {
        const r = decodePayloadInstanceRequest(req.data);
        if (r.payloadType !== PayloadType.SOL || !validInstance(r.instance)) return fail(CompletionCode.INVALID_DATA_FIELD);
        if (!sol.active(r.instance)) return fail(sol.enabled ? DeactivatePayloadCC.ALREADY_DEACTIVATED : DeactivatePayloadCC.TYPE_DISABLED);
        if (ctx.session.privilege < sol.privilege) return fail(CompletionCode.INSUFFICIENT_PRIVILEGE);
        sol.deactivate(r.instance, ctx.session.id, ctx.now);
        return ok();
      },
    },
    {
      // request: payload type; response: instance capacity, activation bit map (2)
      netFn: N, cmd: PayloadCommand.GET_ACTIVATION_STATUS, name: 'Get Payload Activation Status', privilege: Privilege.USER,
      handle: (req) => {
        const { payloadType } = decodeGetPayloadActivationStatusRequest(req.data);
        if (payloadType !== PayloadType.SOL) return fail(CompletionCode.INVALID_DATA_FIELD);
        return ok(encodePayloadActivationStatus({ capacity: sol.capacity, active: sol.activeInstances().map((a) => a.instance) }));
      },
    },
    {
      // request: payload type, instance; response: session ID (4), payload specific (8)
      netFn: N, cmd: PayloadCommand.GET_INSTANCE_INFO, name: 'Get Payload Instance Info', privilege: Privilege.USER,
      handle: (req) => {
        const r = decodeGetPayloadInstanceInfoRequest(req.data);
        if (r.payloadType !== PayloadType.SOL || !validInstance(r.instance)) return fail(CompletionCode.INVALID_DATA_FIELD);
        const a = sol.active(r.instance);
        return ok(encodePayloadInstanceInfo({ sessionId: a ? a.sessionId : 0, portNumber: a ? sol.serialPort : 0 }));
      },
    },
    {
      // request: channel; response: supported payload type bit maps (8)
      netFn: N, cmd: PayloadCommand.GET_CHANNEL_PAYLOAD_SUPPORT, name: 'Get Channel Payload Support', privilege: Privilege.USER,
      handle: (req) => {
        const r = decodeChannelPayloadRequest(req.data, false);
        if (model.resolveChannel(r.channel) === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        return ok(encodeChannelPayloadSupport({ standard: STANDARD_PAYLOADS, sessionSetup: SESSION_SETUP_PAYLOADS, oem: [] }));
      },
    },
    {
      // request: channel, payload type; response: format version
      netFn: N, cmd: PayloadCommand.GET_CHANNEL_PAYLOAD_VERSION, name: 'Get Channel Payload Version', privilege: Privilege.USER,
      handle: (req) => {
        const r = decodeChannelPayloadRequest(req.data, true);
        if (model.resolveChannel(r.channel) === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        if (!SUPPORTED_PAYLOADS.has(r.payloadType)) return fail(PayloadVersionCC.TYPE_NOT_AVAILABLE);
        return ok(encodePayloadVersion(FORMAT_VERSION.major, FORMAT_VERSION.minor));
      },
    },
  ];
}
