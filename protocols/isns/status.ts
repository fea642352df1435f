// iSNSP response status codes — RFC 4171 §5.4 (the Status Code that opens every response payload).

export const Status = {
  SUCCESSFUL: 0,
  UNKNOWN_ERROR: 1,
  MESSAGE_FORMAT_ERROR: 2,
  INVALID_REGISTRATION: 3,
  // 4 is reserved
  INVALID_QUERY: 5,
  SOURCE_UNKNOWN: 6,
  SOURCE_ABSENT: 7,
  SOURCE_UNAUTHORIZED: 8,
  NO_SUCH_ENTRY: 9,
  VERSION_NOT_SUPPORTED: 10,
  INTERNAL_ERROR: 11,
  BUSY: 12,
  OPTION_NOT_UNDERSTOOD: 13,
  INVALID_UPDATE: 14,
  MESSAGE_NOT_SUPPORTED: 15,
  SCN_EVENT_REJECTED: 16,
  SCN_REGISTRATION_REJECTED: 17,
  ATTRIBUTE_NOT_IMPLEMENTED: 18,
  FC_DOMAIN_ID_NOT_AVAILABLE: 19,
  FC_DOMAIN_ID_NOT_ALLOCATED: 20,
  ESI_NOT_AVAILABLE: 21,
  INVALID_DEREGISTRATION: 22,
  REGISTRATION_FEATURE_NOT_SUPPORTED: 23,
} as const;

export type StatusValue = (typeof Status)[keyof typeof Status];

const NAMES: readonly string[] = [
  'Successful', 'Unknown Error', 'Message Format Error', 'Invalid Registration', 'Reserved', 'Invalid Query',
  'Source Unknown', 'Source Absent', 'Source Unauthorized', 'No Such Entry', 'Version Not Supported', 'Internal Error',
  'Busy', 'Option Not Understood', 'Invalid Update', 'Message (FUNCTION_ID) Not Supported', 'SCN Event Rejected',
  'SCN Registration Rejected', 'Attribute Not Implemented', 'FC_DOMAIN_ID Not Available', 'FC_DOMAIN_ID Not Allocated',
  'ESI Not Available', 'Invalid Deregistration', 'Registration Feature Not Supported',
];

/** The RFC's name for a status code; 24-255 and beyond are reserved. */
export function statusName(status: number): string {
  return NAMES[status] ?? `Reserved (${status})`;
}
