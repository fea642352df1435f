// CHAP in the iSCSI login (protocols/iscsi/chap.ts, RFC 7143 §12.1.3, RFC 1994 §4.1): the response's bytes, binary
// values (0x hex, 0b base64), both halves of the exchange, and the target session demanding CHAP: a fresh
// challenge per login, 02/01 for a wrong name or response or no CHAP, 02/00 for malformed keys; mutual CHAP both ways
// (the target proves its own account; refused by a target without one, or for a reflected challenge).
import t from 'tap';
import { ChapInitiatorExchange, ChapTargetExchange, chapResponse, decodeBinaryValue, encodeBinaryValue } from '../../protocols/iscsi/chap.js';
import { LoginStage, LoginStatus, encodeLoginRequest } from '../../protocols/iscsi/login.js';
import { DEFAULT_PARAMETERS, initiatorOffers } from '../../protocols/iscsi/negotiation.js';
import { decodeTargetPdu, splitPdu, type TargetPdu } from '../../protocols/iscsi/pdu.js';
import { TargetSession, type TargetStep } from '../../protocols/iscsi/target-session.js';
import { decodeText, encodeText, textValue, type TextPairs } from '../../protocols/iscsi/text.js';
import { DecodeError } from '../../protocols/errors.js';

const IQN = 'iqn.2026-11.org.bmcfleet:chap';
const INITIATOR = 'iqn.2026-12.org.example:host';
const ACCOUNT = { name: 'boot-user', secret: Buffer.from('bmcfleet-secret') };
const CHALLENGE = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

/** Random bytes from a script: identifier 2Ah, then CHALLENGE; each login's call is noted. */
function scripted() {
  const calls: number[] = [];
  const random = (n: number) => { calls.push(n); return n === 1 ? Buffer.of(0x2a) : Buffer.from(CHALLENGE.subarray(0, n)); };
  return { random, calls };
}

t.test('CHAP_R is MD5(identifier, secret, challenge) (RFC 1994 §4.1)', async (t) => {
  // computed with Python's hashlib: md5(b'\x2a' + b'bmcfleet-secret' + bytes(range(16)))
  t.equal(chapResponse(0x2a, ACCOUNT.secret, CHALLENGE).toString('hex'), 'a867052001d39c7b7f077035c0ba5740');
  t.equal(chapResponse(7, Buffer.from('tgtd-secret-1'), Buffer.of(0xab)).toString('hex'), 'd29a7cbe8edfd6d375438134199656b4');
});

t.test('binary values: 0x hex (odd digits padded), 0b base64; anything else is a DecodeError', async (t) => {
  t.same([...decodeBinaryValue('CHAP_C', '0x0aFF')], [0x0a, 0xff]);
  t.same([...decodeBinaryValue('CHAP_C', '0X123')], [0x01, 0x23], 'an odd count has an implied leading 0');
  t.same([...decodeBinaryValue('CHAP_C', '0bAAEC')], [0x00, 0x01, 0x02]);
  t.equal(encodeBinaryValue(Buffer.of(1, 0xab)), '0x01ab');
  for (const bad of ['', '0x', '0xg1', '1234', '0b', '0bAAE', '0b@@@@']) {
    t.throws(() => decodeBinaryValue('CHAP_C', bad), DecodeError, `"${bad}"`);
  }
});

t.test('the two halves agree; the initiator answers tgtd-style base64 challenges and decimal identifiers', async (t) => {
  const { random } = scripted();
  const target = new ChapTargetExchange(ACCOUNT, random);
  const initiator = new ChapInitiatorExchange(ACCOUNT);
  t.same(initiator.offer(), [['AuthMethod', 'CHAP,None']]);
  const a = initiator.receive([['AuthMethod', 'CHAP']]);
  t.same(a, { kind: 'send', pairs: [['CHAP_A', '5']] });
  const challenge = target.receive((a as { pairs: TextPairs }).pairs);
  t.same(challenge, { kind: 'answer', done: false, answers: [['CHAP_A', '5'], ['CHAP_I', '42'], ['CHAP_C', '0x000102030405060708090a0b0c0d0e0f']] });
  const response = initiator.receive((challenge as { answers: TextPairs }).answers);
  t.same(response, { kind: 'send', pairs: [['CHAP_N', 'boot-user'], ['CHAP_R', '0xa867052001d39c7b7f077035c0ba5740']] });
  t.same(target.receive((response as { pairs: TextPairs }).pairs), { kind: 'answer', answers: [], done: true });
  t.ok(target.authenticated);
  t.same(initiator.receive([]), { kind: 'done' });
  t.ok(initiator.usedChap);

  const other = new ChapInitiatorExchange({ name: 'u', secret: Buffer.from('tgtd-secret-1') });
  other.receive([['AuthMethod', 'CHAP']]);
  t.same(other.receive([['CHAP_A', '5'], ['CHAP_I', '0x07'], ['CHAP_C', '0bqw==']]),
    { kind: 'send', pairs: [['CHAP_N', 'u'], ['CHAP_R', '0xd29a7cbe8edfd6d375438134199656b4']] });

  const none = new ChapInitiatorExchange(null);
  t.same(none.offer(), [['AuthMethod', 'None']]);
  t.throws(() => none.receive([['AuthMethod', 'CHAP']]), DecodeError, 'CHAP was not offered');
  t.throws(() => new ChapInitiatorExchange(ACCOUNT).receive([['AuthMethod', 'SRP']]), DecodeError);
  const bad = new ChapInitiatorExchange(ACCOUNT);
  bad.receive([['AuthMethod', 'CHAP']]);
  t.throws(() => bad.receive([['CHAP_A', '7'], ['CHAP_I', '1'], ['CHAP_C', '0x01']]), DecodeError, 'an algorithm not offered');
  t.throws(() => new ChapInitiatorExchange(ACCOUNT).receive([['AuthMethod', 'CHAP'], ['CHAP_A', '5'], ['CHAP_I', '300'], ['CHAP_C', '0x01']]), DecodeError, 'CHAP_I past 255');
});

t.test('the target half: one challenge, checked once; refusals by status', async (t) => {
  const fresh = () => new ChapTargetExchange(ACCOUNT, scripted().random);
  const challenged = () => { const x = fresh(); x.receive([['CHAP_A', '7,5']]); return x; };
  const right = chapResponse(0x2a, ACCOUNT.secret, CHALLENGE);
  t.match(fresh().receive([['CHAP_A', '7']]), { kind: 'fail', status: LoginStatus.authenticationFailure }, 'no MD5 offered');
  t.match(fresh().receive([['CHAP_N', 'x']]), { kind: 'fail', status: LoginStatus.initiatorError }, 'CHAP_N before CHAP_A');
  t.match(challenged().receive([['CHAP_N', 'boot-user'], ['CHAP_R', encodeBinaryValue(chapResponse(0x2a, Buffer.from('wrong-secret!'), CHALLENGE))]]),
    { kind: 'fail', status: LoginStatus.authenticationFailure, reason: 'wrong CHAP_R' });
  t.match(challenged().receive([['CHAP_N', 'someone'], ['CHAP_R', encodeBinaryValue(right)]]), { kind: 'fail', status: LoginStatus.authenticationFailure, reason: 'unknown CHAP_N' });
  t.match(challenged().receive([['CHAP_N', 'boot-user'], ['CHAP_R', '0xzz']]), { kind: 'fail', status: LoginStatus.initiatorError }, 'malformed CHAP_R');
  t.match(challenged().receive([['CHAP_N', 'boot-user'], ['CHAP_R', '0x0102']]), { kind: 'fail', status: LoginStatus.initiatorError }, 'CHAP_R not 16 bytes');
  t.match(challenged().receive([['CHAP_N', 'boot-user']]), { kind: 'fail', status: LoginStatus.missingParameter }, 'no CHAP_R');
  t.match(challenged().receive([['CHAP_N', 'boot-user'], ['CHAP_R', encodeBinaryValue(right)], ['CHAP_I', '1'], ['CHAP_C', '0x0102']]),
    { kind: 'fail', status: LoginStatus.authenticationFailure, reason: 'mutual CHAP asked of a target without its own account' });
  t.match(challenged().receive([['CHAP_N', 'boot-user'], ['CHAP_R', encodeBinaryValue(right)], ['CHAP_I', '1']]),
    { kind: 'fail', status: LoginStatus.initiatorError }, 'CHAP_I without CHAP_C');
  const once = challenged();
  t.match(once.receive([['CHAP_N', 'boot-user'], ['CHAP_R', encodeBinaryValue(chapResponse(0x2a, Buffer.from('wrong-secret!'), CHALLENGE))]]), { kind: 'fail' });
  t.match(once.receive([['CHAP_N', 'boot-user'], ['CHAP_R', encodeBinaryValue(right)]]), { kind: 'fail' }, 'no second try on one challenge');
});

t.test('mutual CHAP: the target answers the initiator\'s challenge with its own account; a wrong one is refused', async (t) => {
  const TARGET_ACCOUNT = { name: 'target-user', secret: Buffer.from('target-secret') };
  const theirs = Buffer.alloc(16, 0x11);
  // the initiator's random source: its challenge (16 bytes of 11h), then its identifier 7
  const initiatorRandom = (n: number) => (n === 1 ? Buffer.of(7) : Buffer.from(theirs));
  const target = new ChapTargetExchange({ ...ACCOUNT, mutual: TARGET_ACCOUNT }, scripted().random);
  const initiator = new ChapInitiatorExchange({ ...ACCOUNT, mutual: TARGET_ACCOUNT }, initiatorRandom);
  const challenge = target.receive((initiator.receive([['AuthMethod', 'CHAP']]) as { pairs: TextPairs }).pairs) as { answers: TextPairs };
  const response = initiator.receive(challenge.answers) as { pairs: TextPairs };
  t.same(response.pairs, [['CHAP_N', 'boot-user'], ['CHAP_R', '0xa867052001d39c7b7f077035c0ba5740'], ['CHAP_I', '7'], ['CHAP_C', `0x${'11'.repeat(16)}`]]);
  const proof = target.receive(response.pairs) as { answers: TextPairs; done: boolean };
  t.same(proof, { kind: 'answer', done: true, answers: [['CHAP_N', 'target-user'], ['CHAP_R', encodeBinaryValue(chapResponse(7, TARGET_ACCOUNT.secret, theirs))]] });
  t.same(initiator.receive(proof.answers), { kind: 'done' });

  const expecting = () => {
    const i = new ChapInitiatorExchange({ ...ACCOUNT, mutual: TARGET_ACCOUNT }, initiatorRandom);
    i.receive([['AuthMethod', 'CHAP']]);
    i.receive(challenge.answers);
    return i;
  };
  t.match(expecting().receive([['CHAP_N', 'target-user'], ['CHAP_R', encodeBinaryValue(chapResponse(7, Buffer.from('other-secret'), theirs))]]), { kind: 'refuse', reason: /CHAP_R is wrong/ });
  t.match(expecting().receive([['CHAP_N', 'impostor'], ['CHAP_R', encodeBinaryValue(chapResponse(7, TARGET_ACCOUNT.secret, theirs))]]), { kind: 'refuse', reason: /impostor/ });
  t.match(expecting().receive([]), { kind: 'refuse', reason: /did not answer/ });
  t.throws(() => new ChapInitiatorExchange({ ...ACCOUNT, mutual: TARGET_ACCOUNT }), Error, 'mutual CHAP needs randomness');

  const reflected = new ChapTargetExchange({ ...ACCOUNT, mutual: TARGET_ACCOUNT }, scripted().random);
  reflected.receive([['CHAP_A', '5']]);
  t.match(reflected.receive([['CHAP_N', 'boot-user'], ['CHAP_R', '0xa867052001d39c7b7f077035c0ba5740'], ['CHAP_I', '1'], ['CHAP_C', encodeBinaryValue(CHALLENGE)]]),
    { kind: 'fail', status: LoginStatus.authenticationFailure, reason: /own challenge/ }, 'the target\'s own challenge sent back: refused');
});

// ---------------------------------------------------------------- the target session

const ISID = Buffer.from('800000000002', 'hex');
let itt = 1;
function login(stage: number, next: number, text: TextPairs, transit = true): Buffer {
  return encodeLoginRequest({
    transit, continue: false, currentStage: stage, nextStage: next, isid: ISID, tsih: 0, initiatorTaskTag: itt++,
    versionMax: 0, versionMin: 0, cid: 0, cmdSn: 1, expStatSn: 0, data: encodeText(text),
  });
}
function first(step: TargetStep): TargetPdu & { kind: 'login-response' } {
  return decodeTargetPdu(splitPdu(Buffer.concat(step.send))) as TargetPdu & { kind: 'login-response' };
}
function session(random = scripted().random) {
  return new TargetSession({
    targets: [{
      name: IQN, address: '127.0.0.9:3260', portalGroupTag: 1, chap: ACCOUNT,
      luns: new Map([[0, { blockSize: 512, blockCount: 64, readOnly: true }]]),
      identity: () => ({ vendor: 'BMCFLEET', product: 'unit', revision: '1', serial: 'S' }),
    }],
    authorized: () => true, tsih: 3, random,
  });
}
const IDENTITY: TextPairs = [['InitiatorName', INITIATOR], ['TargetName', IQN]];

t.test('a target with an account: AuthMethod=CHAP, T=0 until the response checks, then operational and full feature', async (t) => {
  const s = session();
  const offer = first(s.receive(login(0, 1, [...IDENTITY, ['AuthMethod', 'CHAP,None']])));
  t.match(offer, { status: 0, transit: false, currentStage: 0 });
  t.same(decodeText(offer.data), [['TargetPortalGroupTag', '1'], ['AuthMethod', 'CHAP']]);
  const challenge = first(s.receive(login(0, 1, [['CHAP_A', '5']])));
  t.match(challenge, { status: 0, transit: false });
  t.same(decodeText(challenge.data), [['CHAP_A', '5'], ['CHAP_I', '42'], ['CHAP_C', '0x000102030405060708090a0b0c0d0e0f']]);
  const done = first(s.receive(login(0, 1, [['CHAP_N', 'boot-user'], ['CHAP_R', '0xa867052001d39c7b7f077035c0ba5740']])));
  t.match(done, { status: 0, transit: true, currentStage: 0, nextStage: 1 });
  t.same(decodeText(done.data), []);
  const operational = first(s.receive(login(1, 3, initiatorOffers(DEFAULT_PARAMETERS))));
  t.match(operational, { status: 0, transit: true, nextStage: 3, tsih: 3 });
  t.ok(s.inFullFeaturePhase);
});

t.test('a target with an account refuses logins without CHAP or with a wrong one', async (t) => {
  const refuse = (steps: Buffer[], status: number, reason: string | RegExp, what: string) => {
    const s = session();
    let last: TargetStep = { send: [], actions: [], close: false };
    for (const pdu of steps) last = s.receive(pdu);
    t.match(first(last), { kind: 'login-response', status }, what);
    t.ok(last.close, `${what}: closes`);
    t.match(s.stats.chapRefused ?? '', reason, `${what}: ${s.stats.chapRefused}`);
  };
  const wrong = encodeBinaryValue(chapResponse(0x2a, Buffer.from('not-the-secret'), CHALLENGE));
  refuse([login(0, 1, [...IDENTITY, ['AuthMethod', 'None']])], LoginStatus.authenticationFailure, /without CHAP/, 'None only: 02/01');
  refuse([login(0, 1, IDENTITY)], LoginStatus.authenticationFailure, 'no AuthMethod offered', 'no AuthMethod, T=1: 02/01');
  refuse([login(1, 3, [...IDENTITY, ...initiatorOffers(DEFAULT_PARAMETERS)])], LoginStatus.authenticationFailure, 'the security stage was skipped', 'straight to operational: 02/01');
  const chapped = [login(0, 1, [...IDENTITY, ['AuthMethod', 'CHAP']]), login(0, 1, [['CHAP_A', '5']])];
  refuse([...chapped, login(0, 1, [['CHAP_N', 'boot-user'], ['CHAP_R', wrong]])], LoginStatus.authenticationFailure, 'wrong CHAP_R', 'a wrong secret: 02/01');
  refuse([...chapped, login(0, 1, [['CHAP_N', 'intruder'], ['CHAP_R', '0xa867052001d39c7b7f077035c0ba5740']])], LoginStatus.authenticationFailure, 'unknown CHAP_N', 'a wrong name: 02/01');
  refuse([...chapped, login(0, 1, [['CHAP_N', 'boot-user'], ['CHAP_R', '0b!!!!']])], LoginStatus.initiatorError, /not a 0x hex/, 'a malformed response: 02/00');
  refuse([...chapped, login(0, 1, [['AuthMethod', 'CHAP']])], LoginStatus.initiatorError, 'AuthMethod twice', 'AuthMethod again: 02/00');
  refuse([chapped[0], login(0, 1, [['CHAP_A', '5'], ['CHAP_R', '0x01']])], LoginStatus.initiatorError, /before the challenge/, 'CHAP_R with CHAP_A: 02/00');
});

t.test('a fresh challenge per login, from the random source', async (t) => {
  const seen = new Set<string>();
  let counter = 0;
  const random = (n: number) => Buffer.alloc(n, ++counter);
  for (let i = 0; i < 3; i++) {
    const s = session(random);
    s.receive(login(0, 1, [...IDENTITY, ['AuthMethod', 'CHAP,None']]));
    const c = decodeText(first(s.receive(login(0, 1, [['CHAP_A', '5']]))).data);
    seen.add(`${textValue(c, 'CHAP_I')}/${textValue(c, 'CHAP_C')}`);
    t.equal(decodeBinaryValue('CHAP_C', textValue(c, 'CHAP_C')!).length, 16, 'challenges of 16 bytes');
  }
  t.equal(seen.size, 3);
});

t.test('a target without an account still answers CHAP,None with None (and CHAP alone with 02/01)', async (t) => {
  const s = new TargetSession({
    targets: [{ name: IQN, address: '127.0.0.9:3260', portalGroupTag: 1, luns: new Map(), identity: () => ({ vendor: 'V', product: 'P', revision: '1', serial: 'S' }) }],
    authorized: () => true, tsih: 1,
  });
  const r = first(s.receive(login(LoginStage.security, LoginStage.operational, [...IDENTITY, ['AuthMethod', 'CHAP,None']])));
  t.match(r, { status: 0, transit: true });
  t.same(textValue(decodeText(r.data), 'AuthMethod'), 'None');
});
