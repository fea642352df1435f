// Sessionless requests a console sends before a session (IPMI 2.0 §6.12.1): v1.5 wrapper, auth type none.
import { BMC_SLAVE_ADDRESS, REMOTE_CONSOLE_SWID, decodeResponse, encodeRequest, type IpmiResponse } from '../message.js';
import { AuthType, decodeSessionV15, encodeSessionV15 } from '../session-v15.js';

export function sessionlessRequest(netFn: number, cmd: number, data: Uint8Array, rqSeq: number): Buffer {
  const message = encodeRequest({ rsAddr: BMC_SLAVE_ADDRESS, netFn, rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID, rqSeq, rqLun: 0, cmd, data });
  return encodeSessionV15({ authType: AuthType.NONE, sequence: 0, sessionId: 0, authCode: null, message });
}

export function sessionlessResponse(datagram: Uint8Array): IpmiResponse {
  return decodeResponse(decodeSessionV15(datagram).message);
}
