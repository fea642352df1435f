// failure-cause.ts: each typed client error sorted into the cause a user can act on (IPMI 2.0 §13.24 statuses).
import t from 'tap';
import { SessionError } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { RakpStatus } from '../../protocols/ipmi/rakp.js';
import { DecodeError } from '../../protocols/errors.js';
import { CompletionCodeError, IpmiAuthError, IpmiTimeoutError } from '../../clients/ipmi/ipmi-errors.js';
import { FailureCause, FailureTally, LASTING_CAUSES, explainFailure } from '../../clients/ipmi/failure-cause.js';

const HOST = '127.0.0.1';
const status = (s: number) => new IpmiAuthError(new SessionError('ERR_RAKP_STATUS', `RAKP 2: status ${s}`, s), HOST);

t.test('causes', async (t) => {
  t.equal(explainFailure(new IpmiTimeoutError('Get Device ID', HOST)).cause, FailureCause.NO_ANSWER);
  t.equal(explainFailure(new IpmiAuthError(new SessionError('ERR_RAKP2_HMAC', 'RAKP 2 HMAC is invalid'), HOST)).cause, FailureCause.WRONG_PASSWORD);
  t.equal(explainFailure(new IpmiAuthError(new SessionError('ERR_ALGORITHMS', 'other algorithms'), HOST)).cause, FailureCause.CIPHER_SUITE_REFUSED);
  t.equal(explainFailure(status(RakpStatus.UNAUTHORIZED_NAME)).cause, FailureCause.UNKNOWN_USER);
  t.equal(explainFailure(status(RakpStatus.NO_CIPHER_SUITE_MATCH)).cause, FailureCause.CIPHER_SUITE_REFUSED);
  t.equal(explainFailure(status(RakpStatus.INSUFFICIENT_RESOURCES)).cause, FailureCause.SESSION_TABLE_FULL);
  t.equal(explainFailure(status(RakpStatus.UNAUTHORIZED_ROLE)).cause, FailureCause.PRIVILEGE_REFUSED);
  t.equal(explainFailure(status(RakpStatus.INVALID_SESSION_ID)).cause, FailureCause.OTHER);
  t.equal(explainFailure(new CompletionCodeError('Set Session Privilege Level', 0x81, HOST)).cause, FailureCause.PRIVILEGE_REFUSED);
  t.equal(explainFailure(new CompletionCodeError('Get Device ID', 0xc1, HOST)).cause, FailureCause.COMPLETION_CODE);
  t.equal(explainFailure(new DecodeError('rmcp', 'length', 0, 'short', 'ERR_TRUNCATED')).cause, FailureCause.OTHER);
  t.ok(LASTING_CAUSES.has(FailureCause.WRONG_PASSWORD) && !LASTING_CAUSES.has(FailureCause.NO_ANSWER), 'only what retrying cannot cure is lasting');
});

t.test('anything a BMC cannot cause is a bug and is rethrown', async (t) => {
  t.throws(() => explainFailure(new TypeError('x is undefined')), TypeError);
  t.throws(() => new FailureTally().add(new RangeError('bad')), RangeError);
});

t.test('the tally keeps a count and the first example per cause', async (t) => {
  const tally = new FailureTally();
  tally.add(new IpmiTimeoutError('Get Device ID', '127.0.0.1'));
  tally.add(new IpmiTimeoutError('Get Device ID', '127.0.0.2'));
  t.equal(tally.total, 2);
  t.same(tally.counts, { 'no-answer': 2 });
  t.match(tally.examples['no-answer'], /^127\.0\.0\.1: no answer to Get Device ID/, 'the first one is the example');
});
