// iSNSP function IDs — RFC 4171 §5.1.3 (table of request and response FUNCTION_IDs).
// A response's ID is its request's ID with the top bit set (0x0001 DevAttrReg -> 0x8001 DevAttrRegRsp).
// Heartbeat (0x000E) has no response. 0x0100-0x01FF / 0x8100-0x81FF are vendor specific.

export const FunctionId = {
  DEV_ATTR_REG: 0x0001,
  DEV_ATTR_QRY: 0x0002,
  DEV_GET_NEXT: 0x0003,
  DEV_DEREG: 0x0004,
  SCN_REG: 0x0005,
  SCN_DEREG: 0x0006,
  SCN_EVENT: 0x0007,
  SCN: 0x0008,
  DD_REG: 0x0009,
  DD_DEREG: 0x000a,
  DDS_REG: 0x000b,
  DDS_DEREG: 0x000c,
  ESI: 0x000d,
  HEARTBEAT: 0x000e,
  RQST_DOM_ID: 0x0011,
  RLSE_DOM_ID: 0x0012,
  GET_DOM_ID: 0x0013,

  DEV_ATTR_REG_RSP: 0x8001,
  DEV_ATTR_QRY_RSP: 0x8002,
  DEV_GET_NEXT_RSP: 0x8003,
  DEV_DEREG_RSP: 0x8004,
  SCN_REG_RSP: 0x8005,
  SCN_DEREG_RSP: 0x8006,
  SCN_EVENT_RSP: 0x8007,
  SCN_RSP: 0x8008,
  DD_REG_RSP: 0x8009,
  DD_DEREG_RSP: 0x800a,
  DDS_REG_RSP: 0x800b,
  DDS_DEREG_RSP: 0x800c,
  ESI_RSP: 0x800d,
  RQST_DOM_ID_RSP: 0x8011,
  RLSE_DOM_ID_RSP: 0x8012,
  GET_DOM_ID_RSP: 0x8013,
} as const;

export type FunctionIdValue = (typeof FunctionId)[keyof typeof FunctionId];

/** The RFC's names (Wireshark prints DevDereg as "DeregDev"). */
const NAMES: Record<number, string> = {
  0x0001: 'DevAttrReg', 0x0002: 'DevAttrQry', 0x0003: 'DevGetNext', 0x0004: 'DevDereg', 0x0005: 'SCNReg',
  0x0006: 'SCNDereg', 0x0007: 'SCNEvent', 0x0008: 'SCN', 0x0009: 'DDReg', 0x000a: 'DDDereg', 0x000b: 'DDSReg',
  0x000c: 'DDSDereg', 0x000d: 'ESI', 0x000e: 'Heartbeat', 0x0011: 'RqstDomId', 0x0012: 'RlseDomId', 0x0013: 'GetDomId',
};

export const RESPONSE_BIT = 0x8000;

export function isResponse(functionId: number): boolean {
  return (functionId & RESPONSE_BIT) !== 0;
}

/** The response ID for a request ID, or null for Heartbeat, which is never answered (§5.6.5.14). */
export function responseIdFor(requestId: number): number | null {
  if (requestId === FunctionId.HEARTBEAT || isResponse(requestId)) return null;
  return (requestId | RESPONSE_BIT) & 0xffff;
}

export function isVendorSpecificFunction(functionId: number): boolean {
  const id = functionId & ~RESPONSE_BIT;
  return id >= 0x0100 && id <= 0x01ff;
}

/** "DevAttrReg", "DevAttrRegRsp", "vendor 0x0105", "0x0020". */
export function functionName(functionId: number): string {
  const base = NAMES[functionId & ~RESPONSE_BIT];
  if (base !== undefined && functionId !== (FunctionId.HEARTBEAT | RESPONSE_BIT)) return isResponse(functionId) ? `${base}Rsp` : base;
  const hex = `0x${functionId.toString(16).padStart(4, '0')}`;
  return isVendorSpecificFunction(functionId) ? `vendor ${hex}` : hex;
}
