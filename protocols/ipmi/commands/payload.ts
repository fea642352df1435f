// Payload commands (netFn App 06h) — IPMI 2.0 §24.1 Activate Payload (48h), §24.2 Deactivate Payload (49h), §24.4
// Get Payload Activation Status (4Ah), §24.5 Get Payload Instance Info (4Bh), §24.8 Get Channel Payload Support
// (4Eh), §24.9 Get Channel Payload Version (4Fh): the layouts of protocols/sol/activation.ts as definitions.
// Privileges per Appendix G (activation: User, what SOL parameter 2 asks beyond it is the BMC's check).
import {
  PayloadCommand, decodeActivatePayloadResponse, decodeChannelPayloadRequest, decodeChannelPayloadSupport,
  decodeGetPayloadActivationStatusRequest, decodeGetPayloadInstanceInfoRequest, decodePayloadActivationStatus,
  decodePayloadInstanceInfo, decodePayloadInstanceRequest, decodePayloadVersion, encodeActivatePayloadResponse,
  encodeChannelPayloadRequest, encodeChannelPayloadSupport, encodeGetPayloadActivationStatusRequest,
  encodeGetPayloadInstanceInfoRequest, encodePayloadActivationStatus, encodePayloadInstanceInfo, encodePayloadInstanceRequest,
  encodePayloadVersion, type ActivatePayloadResponse, type ChannelPayloadSupport, type PayloadActivationStatus,
  type PayloadInstanceInfo, type PayloadInstanceRequest,
} from '../../sol/activation.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { noResponseData } from './command-data.js';

const N = NetFn.APP;

export const ActivatePayload: IpmiCommand<PayloadInstanceRequest, ActivatePayloadResponse> = {
  name: 'Activate Payload', netFn: N, cmd: PayloadCommand.ACTIVATE, privilege: Privilege.USER,
  encodeRequest: encodePayloadInstanceRequest,
  decodeRequest: decodePayloadInstanceRequest,
  encodeResponse: encodeActivatePayloadResponse,
  decodeResponse: decodeActivatePayloadResponse,
};

/** Same request as Activate Payload (auxiliary data reserved); no response data. */
export const DeactivatePayload: IpmiCommand<PayloadInstanceRequest, void> = {
  name: 'Deactivate Payload', netFn: N, cmd: PayloadCommand.DEACTIVATE, privilege: Privilege.USER,
  encodeRequest: encodePayloadInstanceRequest,
  decodeRequest: decodePayloadInstanceRequest,
  ...noResponseData(),
};

export const GetPayloadActivationStatus: IpmiCommand<{ payloadType: number }, PayloadActivationStatus> = {
  name: 'Get Payload Activation Status', netFn: N, cmd: PayloadCommand.GET_ACTIVATION_STATUS, privilege: Privilege.USER,
  encodeRequest: encodeGetPayloadActivationStatusRequest,
  decodeRequest: decodeGetPayloadActivationStatusRequest,
  encodeResponse: encodePayloadActivationStatus,
  decodeResponse: decodePayloadActivationStatus,
};

export const GetPayloadInstanceInfo: IpmiCommand<{ payloadType: number; instance: number }, PayloadInstanceInfo> = {
  name: 'Get Payload Instance Info', netFn: N, cmd: PayloadCommand.GET_INSTANCE_INFO, privilege: Privilege.USER,
  encodeRequest: encodeGetPayloadInstanceInfoRequest,
  decodeRequest: decodeGetPayloadInstanceInfoRequest,
  encodeResponse: encodePayloadInstanceInfo,
  decodeResponse: decodePayloadInstanceInfo,
};

export const GetChannelPayloadSupport: IpmiCommand<{ channel: number }, ChannelPayloadSupport> = {
  name: 'Get Channel Payload Support', netFn: N, cmd: PayloadCommand.GET_CHANNEL_PAYLOAD_SUPPORT, privilege: Privilege.USER,
  encodeRequest: (r) => encodeChannelPayloadRequest({ channel: r.channel, payloadType: 0 }, false),
  decodeRequest: (d) => ({ channel: decodeChannelPayloadRequest(d, false).channel }),
  encodeResponse: encodeChannelPayloadSupport,
  decodeResponse: decodeChannelPayloadSupport,
};

export interface PayloadVersion { major: number; minor: number }

export const GetChannelPayloadVersion: IpmiCommand<{ channel: number; payloadType: number }, PayloadVersion> = {
  name: 'Get Channel Payload Version', netFn: N, cmd: PayloadCommand.GET_CHANNEL_PAYLOAD_VERSION, privilege: Privilege.USER,
  encodeRequest: (r) => encodeChannelPayloadRequest(r, true),
  decodeRequest: (d) => decodeChannelPayloadRequest(d, true),
  encodeResponse: (v) => encodePayloadVersion(v.major, v.minor),
  decodeResponse: decodePayloadVersion,
};
