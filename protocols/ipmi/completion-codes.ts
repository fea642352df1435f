// Completion codes — IPMI 2.0 §5.2 Table 5-2 (generic) plus command-specific codes named where used.

export const CompletionCode = {
  OK: 0x00,
  NODE_BUSY: 0xc0,
  INVALID_COMMAND: 0xc1,
  INVALID_COMMAND_FOR_LUN: 0xc2,
  TIMEOUT: 0xc3,
  OUT_OF_SPACE: 0xc4,
  RESERVATION_CANCELLED: 0xc5,
  REQUEST_DATA_TRUNCATED: 0xc6,
  REQUEST_DATA_LENGTH_INVALID: 0xc7,
  REQUEST_DATA_FIELD_LENGTH_EXCEEDED: 0xc8,
  PARAMETER_OUT_OF_RANGE: 0xc9,
  CANNOT_RETURN_REQUESTED_BYTES: 0xca,
  NOT_PRESENT: 0xcb,
  INVALID_DATA_FIELD: 0xcc,
  ILLEGAL_FOR_SENSOR_OR_RECORD: 0xcd,
  RESPONSE_NOT_PROVIDED: 0xce,
  DUPLICATED_REQUEST: 0xcf,
  SDR_IN_UPDATE_MODE: 0xd0,
  FIRMWARE_UPDATE_MODE: 0xd1,
  INITIALIZATION_IN_PROGRESS: 0xd2,
  DESTINATION_UNAVAILABLE: 0xd3,
  INSUFFICIENT_PRIVILEGE: 0xd4,
  NOT_SUPPORTED_IN_PRESENT_STATE: 0xd5,
  PARAMETER_ILLEGAL: 0xd6,
  UNSPECIFIED: 0xff,
} as const;

/** What every Get/Set ... Configuration Parameters family answers: LAN (§23.1-23.2), SOL (§26.2-26.3) and
 *  system boot options (§28.12-28.13) give the same three command-specific codes. */
export const ConfigParameterCC = { PARAMETER_NOT_SUPPORTED: 0x80, SET_IN_PROGRESS_ACTIVE: 0x81, READ_ONLY: 0x82 } as const;

const NAMES: Record<number, string> = {
  0x00: 'Command completed normally',
  0xc0: 'Node busy',
  0xc1: 'Invalid command',
  0xc2: 'Invalid command on LUN',
  0xc3: 'Timeout',
  0xc4: 'Out of space',
  0xc5: 'Reservation cancelled or invalid',
  0xc6: 'Request data truncated',
  0xc7: 'Request data length invalid',
  0xc8: 'Request data field length limit exceeded',
  0xc9: 'Parameter out of range',
  0xca: 'Cannot return number of requested data bytes',
  0xcb: 'Requested sensor, data, or record not found',
  0xcc: 'Invalid data field in request',
  0xcd: 'Command illegal for specified sensor or record type',
  0xce: 'Command response could not be provided',
  0xcf: 'Cannot execute duplicated request',
  0xd0: 'SDR repository in update mode',
  0xd1: 'Device firmware in update mode',
  0xd2: 'BMC initialization in progress',
  0xd3: 'Destination unavailable',
  0xd4: 'Insufficient privilege level',
  0xd5: 'Command not supported in present state',
  0xd6: 'Cannot execute command, sub-function disabled or unavailable',
  0xff: 'Unspecified error',
};

export function completionCodeName(cc: number): string {
  return NAMES[cc] ?? (cc >= 0x80 && cc <= 0xbe ? `Command-specific error 0x${cc.toString(16)}` : `Unknown completion code 0x${cc.toString(16)}`);
}
