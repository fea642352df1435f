// The client and BMC sides of RMCP+ driven against each other in memory, no sockets.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { CIPHER_SUITES } from '../../protocols/ipmi/cipher-suites.js';
import { encodeRequest, responseTo } from '../../protocols/ipmi/message.js';
import { aesEncryptPayload, integrityAuthCode, integrityAuthCodeLength } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { RakpStatus, decodeRakp4, encodeRakp3 } from '../../protocols/ipmi/rakp.js';
import { PayloadType, decodeSessionV20, encodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import type { BmcLanChannel } from '../../protocols/ipmi/bmc-side/lan-channel.js';
import { PEER, testChannel, testUsers } from '../helpers/channel.js';

function establish(bmc: BmcLanChannel, client: RmcpPlusClientSession, now = 0): void {
  let out = client.open();
  for (let i = 0; i < 3; i++) {
    const r = bmc.receive(out, PEER, now);
    if (r.kind !== 'reply') throw new Error(`BMC did not answer: ${r.kind} ${r.kind === 'drop' ? r.reason : ''}`);
    const step = client.handshake(r.datagram);
    if (step.kind === 'established') return;
    if (step.kind !== 'send') throw new Error('handshake stalled');
    out = step.datagram;
  }
  throw new Error('handshake did not finish');
}

function roundTrip(bmc: BmcLanChannel, client: RmcpPlusClientSession, netFn: number, cmd: number, data: number[], rqSeq: number, now = 0) {
  const r = bmc.receive(client.request(netFn, cmd, Buffer.from(data), rqSeq), PEER, now);
  if (r.kind === 'request') return client.response(bmc.respond(r.session, responseTo(r.request, 0, Buffer.from([0xaa, r.request.cmd]))));
  if (r.kind === 'reply') return client.response(r.datagram);
  throw new Error(`dropped: ${r.reason}`);
}

const client = (suite: number, extra: Partial<ConstructorParameters<typeof RmcpPlusClientSession>[0]> = {}) =>
  new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: suite, random: randomBytes, ...extra });

for (const suite of CIPHER_SUITES.filter((s) => s.id !== 0)) {
  t.test(`suite ${suite.id}: handshake, request, response`, (t) => {
    const bmc = testChannel();
    const c = client(suite.id);
    establish(bmc, c);
    const res = roundTrip(bmc, c, 0x06, 0x01, [], 5);
    t.ok(res, 'client accepts the BMC response');
    t.equal(res!.rqSeq, 5);
    t.same([...res!.data], [0xaa, 0x01]);
    const priv = roundTrip(bmc, c, 0x06, 0x3b, [Privilege.ADMINISTRATOR], 6);
    t.same([...priv!.data], [Privilege.ADMINISTRATOR], 'Set Session Privilege raised to admin');
    t.end();
  });
}

t.test('a replayed packet is dropped, the original was accepted', (t) => {
  const bmc = testChannel();
  const c = client(17);
  establish(bmc, c);
  const pkt = c.request(0x06, 0x01, Buffer.alloc(0), 1);
  t.equal(bmc.receive(pkt, PEER, 0).kind, 'request');
  t.match(bmc.receive(pkt, PEER, 0), { kind: 'drop', reason: 'replay' });
  t.end();
});

t.test('a packet failing integrity is dropped and leaves the window untouched', (t) => {
  const bmc = testChannel();
  const c = client(3);
  establish(bmc, c);
  const pkt = c.request(0x06, 0x01, Buffer.alloc(0), 1);
  const forged = Buffer.from(pkt);
  forged[forged.length - 1] ^= 0xff;
  t.match(bmc.receive(forged, PEER, 0), { kind: 'drop', reason: 'integrity' });
  t.equal(bmc.receive(pkt, PEER, 0).kind, 'request', 'the genuine packet with the same sequence still goes through');
  t.end();
});

t.test('an unauthenticated packet in an authenticated session is dropped', (t) => {
  const bmc = testChannel();
  const c = client(2);
  establish(bmc, c);
  const pkt = Buffer.from(c.request(0x06, 0x01, Buffer.alloc(0), 1));
  pkt[5] &= ~0x40;
  t.match(bmc.receive(pkt, PEER, 0), { kind: 'drop', reason: 'not-authenticated' });
  t.end();
});

t.test('wrong password: the client rejects RAKP 2', (t) => {
  const bmc = testChannel();
  const c = client(17, { password: 'wrong' });
  t.throws(() => establish(bmc, c), { name: 'SessionError', code: 'ERR_RAKP2_HMAC' });
  t.end();
});

t.test('a console that sends a wrong RAKP 3 HMAC gets status 0x0F and no session', (t) => {
  const bmc = testChannel();
  const c = client(3);
  let r = bmc.receive(c.open(), PEER, 0);
  const rakp1 = c.handshake((r as { datagram: Buffer }).datagram) as { datagram: Buffer };
  r = bmc.receive(rakp1.datagram, PEER, 0);
  t.equal(r.kind, 'reply');
  const forged = encodeSessionV20({ payloadType: PayloadType.RAKP3, encrypted: false, authenticated: false, sessionId: 0, sequence: 0,
    payload: encodeRakp3({ messageTag: 0, status: 0, bmcSessionId: c.bmcId, authCode: Buffer.alloc(20, 0x55) }) });
  r = bmc.receive(forged, PEER, 0);
  t.equal(r.kind, 'reply');
  const rakp4 = decodeRakp4(decodeSessionV20((r as { datagram: Buffer }).datagram).payload);
  t.equal(rakp4.status, RakpStatus.INVALID_INTEGRITY_CHECK_VALUE);
  t.equal(bmc.sessions.size, 0);
  t.end();
});

t.test('unknown user gets RAKP 2 status 0x0D (unauthorized name)', (t) => {
  const bmc = testChannel();
  const c = client(17, { username: 'nobody' });
  t.throws(() => establish(bmc, c), { name: 'SessionError', status: RakpStatus.UNAUTHORIZED_NAME });
  t.equal(bmc.sessions.size, 0, 'the half-open session is gone');
  t.end();
});

t.test('a user asking above its privilege limit is refused', (t) => {
  const bmc = testChannel();
  const c = client(17, { username: 'viewer', password: 'viewpass' });
  t.throws(() => establish(bmc, c), { name: 'SessionError', status: RakpStatus.UNAUTHORIZED_ROLE });
  const ok = client(17, { username: 'viewer', password: 'viewpass', privilege: Privilege.USER });
  establish(bmc, ok);
  t.equal(ok.state, 'active');
  t.end();
});

t.test('suite 0 is refused unless configured', (t) => {
  t.throws(() => establish(testChannel(), client(0)), { name: 'SessionError', status: RakpStatus.NO_CIPHER_SUITE_MATCH });
  const allowed = testChannel({ allowCipherSuite0: true, cipherSuites: [0, 17] });
  const c = client(0);
  establish(allowed, c);
  t.ok(roundTrip(allowed, c, 0x06, 0x01, [], 1));
  t.end();
});

t.test('the session table is bounded and half-open sessions expire', (t) => {
  const bmc = testChannel({ limits: { maxSessions: 2, idleTimeoutMs: 60_000, setupTimeoutMs: 10_000 } });
  establish(bmc, client(17), 0);
  establish(bmc, client(17), 0);
  t.throws(() => establish(bmc, client(17), 1000), { name: 'SessionError', status: RakpStatus.INSUFFICIENT_RESOURCES });
  establish(bmc, client(17), 61_001);
  t.equal(bmc.sessions.size, 1, 'idle sessions were reclaimed');
  t.end();
});

t.test('Close Session ends the session; later packets are dropped', (t) => {
  const bmc = testChannel();
  const c = client(17);
  establish(bmc, c);
  const res = roundTrip(bmc, c, 0x06, 0x3c, [...(() => { const b = Buffer.alloc(4); b.writeUInt32LE(c.bmcId); return b; })()], 2);
  t.equal(res!.completionCode, 0);
  t.equal(bmc.sessions.size, 0);
  t.match(bmc.receive(c.request(0x06, 0x01, Buffer.alloc(0), 3), PEER, 0), { kind: 'drop', reason: 'unknown-session' });
  t.end();
});

t.test('sessionless commands other than the session-setup ones are dropped', (t) => {
  const bmc = testChannel();
  // v1.5 sessionless Get Device ID
  const pkt = Buffer.from('0600ff070000000000000000000720180c8101007e'.replace('0c81', 'c881'), 'hex');
  const r = bmc.receive(pkt, PEER, 0);
  t.equal(r.kind, 'drop');
  t.end();
});

t.test('a user whose IPMI Messaging access is off cannot log in', (t) => {
  const bmc = testChannel({ users: testUsers([{ id: 4, name: 'nomsg', password: Buffer.from('pw'), privilegeLimit: Privilege.ADMINISTRATOR, enabled: true, ipmiMessaging: false }]) });
  t.throws(() => establish(bmc, client(17, { username: 'nomsg', password: 'pw' })), { name: 'SessionError', status: RakpStatus.UNAUTHORIZED_NAME });
  t.end();
});

t.test('the encryption bit must match the negotiated suite, both ways (§13.29)', (t) => {
  for (const [suite, encrypted] of [[17, false], [2, true]] as const) {
    const bmc = testChannel();
    const c = client(suite);
    establish(bmc, c);
    const s = bmc.sessions.get(c.bmcId)!;
    const message = encodeRequest({ rsAddr: 0x20, netFn: 0x06, rsLun: 0, rqAddr: 0x81, rqSeq: 1, rqLun: 0, cmd: 0x01, data: Buffer.alloc(0) });
    const payload = encrypted ? aesEncryptPayload(s.k2!, randomBytes(16), message) : message;
    const pkt = encodeSessionV20({ payloadType: PayloadType.IPMI, encrypted, authenticated: true, sessionId: s.bmcId, sequence: 1, payload },
      integrityAuthCodeLength(s.suite!.integrity), (d) => integrityAuthCode(s.suite!.integrity, s.k1!, s.password, d));
    t.match(bmc.receive(pkt, PEER, 0), { kind: 'drop', reason: 'encryption-mismatch' }, `suite ${suite}, encrypted=${encrypted}: dropped`);
  }
  t.end();
});

t.test('the client refuses an Open Session Response whose algorithms differ from its proposal (§13.18)', (t) => {
  const bmc = testChannel();
  const c = client(17);
  const open = Buffer.from(c.open());
  // Propose suite 17's algorithms to the client, but let the BMC see suite 16's (no confidentiality): the
  // confidentiality record's algorithm byte sits at RMCP(4) + session header(12) + 24 + 4 (§13.17).
  open[4 + 12 + 28] = 0x00;
  const r = bmc.receive(open, PEER, 0);
  if (r.kind !== 'reply') throw new Error('no open session response');
  t.throws(() => c.handshake(r.datagram), { name: 'SessionError', code: 'ERR_ALGORITHMS' });
  t.equal(c.state, 'failed');
  t.end();
});
