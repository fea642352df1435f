// Why an IPMI exchange with a BMC failed, in words a user can act on: the client's typed errors (ipmi-errors.ts)
// sorted into a few causes, from the RMCP+ status the BMC sent (IPMI 2.0 §13.24, Table 13-15) or the check that
// failed here. Commands that report on many BMCs (bench ipmi, sol watch) count by cause and show one example each.
import { DecodeError } from '../../protocols/errors.js';
import { RakpStatus } from '../../protocols/ipmi/rakp.js';
import { CompletionCodeError, IpmiAuthError, IpmiError, IpmiTimeoutError } from './ipmi-errors.js';

export const FailureCause = {
  /** Nothing answered: no BMC there, a wrong port, or every datagram lost. */
  NO_ANSWER: 'no-answer',
  /** RAKP 2's HMAC did not check: the password (or the BMC key Kg) is not the BMC's. */
  WRONG_PASSWORD: 'wrong-password',
  /** The BMC has no such user (RMCP+ status 0Dh, unauthorized name). */
  UNKNOWN_USER: 'unknown-user',
  /** The user may not have the privilege asked for (status 09h, 0Ah, or Set Session Privilege refused). */
  PRIVILEGE_REFUSED: 'privilege-refused',
  /** The BMC does not offer the cipher suite (status 04h, 05h, 10h, 11h, or other algorithms than asked). */
  CIPHER_SUITE_REFUSED: 'cipher-suite-refused',
  /** The BMC's session table is full (status 01h or 0Bh): close sessions, or wait for idle ones to expire. */
  SESSION_TABLE_FULL: 'session-table-full',
  /** The session was set up, a command answered an error completion code. */
  COMPLETION_CODE: 'completion-code',
  /** Any other refusal or a malformed answer. */
  OTHER: 'other',
} as const;
export type FailureCause = typeof FailureCause[keyof typeof FailureCause];

/** Causes that retrying the same login cannot cure: a caller should stop trying rather than fill the BMC's session table. */
export const LASTING_CAUSES: ReadonlySet<FailureCause> = new Set([
  FailureCause.WRONG_PASSWORD, FailureCause.UNKNOWN_USER, FailureCause.PRIVILEGE_REFUSED, FailureCause.CIPHER_SUITE_REFUSED,
]);

const BY_RAKP_STATUS = new Map<number, FailureCause>([
  [RakpStatus.INSUFFICIENT_RESOURCES, FailureCause.SESSION_TABLE_FULL],
  [RakpStatus.INSUFFICIENT_RESOURCES_FOR_ROLE, FailureCause.SESSION_TABLE_FULL],
  [RakpStatus.UNAUTHORIZED_NAME, FailureCause.UNKNOWN_USER],
  [RakpStatus.INVALID_ROLE, FailureCause.PRIVILEGE_REFUSED],
  [RakpStatus.UNAUTHORIZED_ROLE, FailureCause.PRIVILEGE_REFUSED],
  [RakpStatus.INVALID_AUTH_ALGORITHM, FailureCause.CIPHER_SUITE_REFUSED],
  [RakpStatus.INVALID_INTEGRITY_ALGORITHM, FailureCause.CIPHER_SUITE_REFUSED],
  [RakpStatus.INVALID_CONFIDENTIALITY_ALGORITHM, FailureCause.CIPHER_SUITE_REFUSED],
  [RakpStatus.NO_CIPHER_SUITE_MATCH, FailureCause.CIPHER_SUITE_REFUSED],
]);

/** Set Session Privilege Level (IPMI 2.0 §22.18): the command whose refusal means the privilege was not granted. */
const SET_SESSION_PRIVILEGE = 'Set Session Privilege Level';

export interface ExplainedFailure { cause: FailureCause; message: string }

/** The cause of `err`, one of the errors a BMC can cause (IpmiError, DecodeError); anything else is rethrown (a bug). */
export function explainFailure(err: unknown): ExplainedFailure {
  if (err instanceof IpmiTimeoutError) return { cause: FailureCause.NO_ANSWER, message: `${err.message} (is a BMC listening there, on that port?)` };
  if (err instanceof IpmiAuthError) return { cause: authCause(err), message: err.message };
  if (err instanceof CompletionCodeError) {
    const cause = err.message.includes(SET_SESSION_PRIVILEGE) ? FailureCause.PRIVILEGE_REFUSED : FailureCause.COMPLETION_CODE;
    return { cause, message: err.message };
  }
  if (err instanceof IpmiError || err instanceof DecodeError) return { cause: FailureCause.OTHER, message: err.message };
  throw err;
}

function authCause(err: IpmiAuthError): FailureCause {
  if (err.rakpStatus !== null) return BY_RAKP_STATUS.get(err.rakpStatus) ?? FailureCause.OTHER;
  const code = (err.cause as { code?: string } | undefined)?.code;
  if (code === 'ERR_RAKP2_HMAC') return FailureCause.WRONG_PASSWORD;
  if (code === 'ERR_ALGORITHMS') return FailureCause.CIPHER_SUITE_REFUSED;
  return FailureCause.OTHER;
}

/** Failures counted by cause, with the first message of each as its example. */
export class FailureTally {
  readonly counts: Partial<Record<FailureCause, number>> = {};
  readonly examples: Partial<Record<FailureCause, string>> = {};

  /** Counts `err` (rethrown when it is not one a BMC can cause) and returns its cause. */
  add(err: unknown): FailureCause {
    const { cause, message } = explainFailure(err);
    this.counts[cause] = (this.counts[cause] ?? 0) + 1;
    this.examples[cause] ??= message;
    return cause;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
