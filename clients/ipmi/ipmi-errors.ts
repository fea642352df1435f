// What the IPMI LAN client throws: one base class with a stable `code` and the BMC's `host`, so callers can catch
// these (and DecodeError, for a malformed answer) and let anything else, a bug, surface.
import { completionCodeName } from '../../protocols/ipmi/completion-codes.js';
import type { SessionError } from '../../protocols/ipmi/client-side/rmcpplus-session.js';

export const IpmiErrorCode = {
  /** No answer after every attempt. */
  TIMEOUT: 'IPMI_TIMEOUT',
  /** A request made on a closed client, or still waiting when it closed. */
  CLOSED: 'IPMI_CLOSED',
  /** The BMC answered with a completion code other than 00h (IPMI 2.0 §5.2). */
  COMPLETION_CODE: 'IPMI_COMPLETION_CODE',
  /** The BMC refused the session (a RAKP status, e.g. unauthorized name) or it failed a check: wrong password or key (§13.17-13.24). */
  AUTH: 'IPMI_AUTH',
} as const;

export type IpmiErrorCode = (typeof IpmiErrorCode)[keyof typeof IpmiErrorCode];

export class IpmiError extends Error {
  readonly code: IpmiErrorCode;
  readonly host: string;
  constructor(code: IpmiErrorCode, host: string, message: string, options?: ErrorOptions) {
    super(`${host}: ${message}`, options);
    this.name = 'IpmiError';
    this.code = code;
    this.host = host;
  }
}

export class IpmiTimeoutError extends IpmiError {
  constructor(what: string, host: string) {
    super(IpmiErrorCode.TIMEOUT, host, `no answer to ${what}`);
    this.name = 'IpmiTimeoutError';
  }
}

export class IpmiClosedError extends IpmiError {
  constructor(what: string, host: string) {
    super(IpmiErrorCode.CLOSED, host, `${what}: the client is closed`);
    this.name = 'IpmiClosedError';
  }
}

export class CompletionCodeError extends IpmiError {
  readonly completionCode: number;
  constructor(what: string, completionCode: number, host: string) {
    super(IpmiErrorCode.COMPLETION_CODE, host, `${what}: ${completionCodeName(completionCode)} (0x${completionCode.toString(16)})`);
    this.name = 'CompletionCodeError';
    this.completionCode = completionCode;
  }
}

/** The session setup's SessionError is its `cause` (its `code` says which check failed). */
export class IpmiAuthError extends IpmiError {
  /** The RMCP+ status code the BMC sent (§13.24), or null when a check on this side failed (RAKP 2's HMAC: wrong password). */
  readonly rakpStatus: number | null;
  constructor(cause: SessionError, host: string) {
    super(IpmiErrorCode.AUTH, host, `session setup: ${cause.message}`, { cause });
    this.name = 'IpmiAuthError';
    this.rakpStatus = cause.status;
  }
}
