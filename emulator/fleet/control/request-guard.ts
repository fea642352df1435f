// Who may use the control API: the rules every local HTTP API here follows (runtime/http/request-guard.ts: no web
// page may use it; the token when one is set), refused with a ControlError.
import { RequestGuard as HttpRequestGuard, type AccessPolicy } from '../../../runtime/http/request-guard.js';
import { ControlError } from '../control-error.js';

export class RequestGuard extends HttpRequestGuard {
  constructor(policy: AccessPolicy) {
    super(policy, { errorClass: ControlError, tokenHint: 'see --control-token-file' });
  }
}
