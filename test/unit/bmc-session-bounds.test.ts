// Clients without credentials against the BMC's session table, in memory: floods of Open Session (RMCP+, IPMI 2.0
// §13.17) and of Get Session Challenge (IPMI 1.5, §22.16) with only a user name, RAKP 1 resent to keep a setup
// alive, and packets injected into a session from another socket. Each asserts its bound, and that a client with
// the password still gets in (and keeps working) while the attack runs.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import type { BmcLanChannel } from '../../protocols/ipmi/bmc-side/lan-channel.js';
import { DEFAULT_SESSION_LIMITS } from '../../protocols/ipmi/bmc-side/session-table.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { sessionlessRequest, sessionlessResponse } from '../../protocols/ipmi/client-side/sessionless.js';
import {
  SessionCommand, decodeActivateSessionResponse, decodeSessionChallengeResponse, encodeActivateSessionRequest, encodeSessionChallengeRequest,
} from '../../protocols/ipmi/commands/session-setup.js';
import { BMC_SLAVE_ADDRESS, NetFn, REMOTE_CONSOLE_SWID, decodeResponse, encodeRequest, responseTo } from '../../protocols/ipmi/message.js';
import { RakpStatus, decodeOpenSessionResponse, decodeRakp2, decodeRakp4 } from '../../protocols/ipmi/rakp.js';
import { authCodeV15 } from '../../protocols/ipmi/auth-v15.js';
import { AuthType, decodeSessionV15, encodeSessionV15 } from '../../protocols/ipmi/session-v15.js';
import { decodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import type { Peer } from '../../protocols/peer.js';
import { testChannel } from '../helpers/channel.js';

const QUOTA = DEFAULT_SESSION_LIMITS.maxHalfOpenPerSource;
const TABLE = DEFAULT_SESSION_LIMITS.maxSessions;
const CONSOLE: Peer = { address: '127.0.0.1', port: 40000 };
/** Attackers: another loopback address each, a fresh source port for every datagram. */
const attacker = (n: number, port: number): Peer => ({ address: `127.66.0.${n}`, port: 20000 + (port % 40000) });

const newClient = (username = 'admin', password = 'password') =>
  new RmcpPlusClientSession({ username, password, cipherSuite: 17, random: randomBytes });

/** The default table (not the test helper's 8 slots), so the per-source quota is below the table size. */
const defaultChannel = () => testChannel({ limits: {} });

/** Payload of a sessionless RMCP+ answer. */
const payloadOf = (datagram: Buffer) => decodeSessionV20(datagram).payload;

/** One Open Session Request with no credentials from `peer`; the RMCP+ status the BMC answers. */
function openFrom(bmc: BmcLanChannel, peer: Peer, now: number): number {
  const out = bmc.receive(newClient().open(), peer, now);
  if (out.kind !== 'reply') throw new Error(`Open Session was not answered: ${out.kind}`);
  return decodeOpenSessionResponse(payloadOf(out.datagram)).status;
}

/** One Get Session Challenge with only a user name from `peer`; its completion code. */
function challengeFrom(bmc: BmcLanChannel, peer: Peer, now: number): number {
  const req = sessionlessRequest(NetFn.APP, SessionCommand.GET_SESSION_CHALLENGE, encodeSessionChallengeRequest({ authType: AuthType.MD5, username: 'admin' }), 1);
  const out = bmc.receive(req, peer, now);
  if (out.kind !== 'reply') throw new Error(`Get Session Challenge was not answered: ${out.kind}`);
  return sessionlessResponse(out.datagram).completionCode;
}

/** Runs a clean RMCP+ handshake from `peer`, calling `between()` before each of its datagrams (the attack meanwhile). */
function establish(bmc: BmcLanChannel, client: RmcpPlusClientSession, peer: Peer, now: number, between: () => void = () => {}): void {
  let out = client.open();
  for (let i = 0; i < 3; i++) {
    between();
    const r = bmc.receive(out, peer, now);
    if (r.kind !== 'reply') throw new Error(`handshake datagram ${i} got ${r.kind}${r.kind === 'drop' ? ` ${r.reason}` : ''}`);
    const step = client.handshake(r.datagram);
    if (step.kind === 'established') return;
    if (step.kind !== 'send') throw new Error('handshake stalled');
    out = step.datagram;
  }
  throw new Error('handshake did not finish');
}

/** Get Device ID in the session, answered as the emulator would; true when the client accepts the answer. */
function getDeviceId(bmc: BmcLanChannel, client: RmcpPlusClientSession, peer: Peer, now: number, rqSeq: number): boolean {
  const r = bmc.receive(client.request(NetFn.APP, 0x01, Buffer.alloc(0), rqSeq), peer, now);
  if (r.kind !== 'request') return false;
  const res = client.response(bmc.respond(r.session, responseTo(r.request, 0, Buffer.from([0x20]))));
  return res !== null && res.rqSeq === rqSeq;
}

/** Half-open sessions in the table: all but the active ones. */
const halfOpen = (bmc: BmcLanChannel, now: number) => bmc.sessions.size - bmc.sessions.active(now).length;

t.test('Open Session from one address: at most the quota of half-open sessions; a client elsewhere gets in', (t) => {
  const bmc = defaultChannel();
  const statuses: number[] = [];
  for (let i = 0; i < 1000; i++) statuses.push(openFrom(bmc, attacker(1, i), i));
  t.equal(statuses.filter((s) => s === RakpStatus.NO_ERRORS).length, QUOTA, `${QUOTA} setups accepted`);
  t.equal(statuses.filter((s) => s === RakpStatus.INSUFFICIENT_RESOURCES).length, 1000 - QUOTA, 'the rest refused: insufficient resources');
  t.equal(bmc.sessions.size, QUOTA, 'the table holds only the quota');
  const c = newClient();
  let flood = 1000;
  establish(bmc, c, CONSOLE, 1000, () => { for (let i = 0; i < 50; i++) openFrom(bmc, attacker(1, flood++), 1000); });
  t.ok(getDeviceId(bmc, c, CONSOLE, 1000, 1), 'the client with the password got in and is answered');
  t.equal(bmc.sessions.size, QUOTA + 1, 'the attacker still holds only its quota');
  t.equal(openFrom(bmc, attacker(1, 0), 1000), RakpStatus.INSUFFICIENT_RESOURCES);
  t.end();
});

t.test('Get Session Challenge with only a user name: the same quota; an RMCP+ client gets in', (t) => {
  const bmc = defaultChannel();
  const codes: number[] = [];
  for (let i = 0; i < 1000; i++) codes.push(challengeFrom(bmc, attacker(2, i), i));
  t.equal(codes.filter((cc) => cc === 0).length, QUOTA, `${QUOTA} challenges handed out`);
  t.equal(codes.filter((cc) => cc === 0xc4).length, 1000 - QUOTA, 'the rest refused: out of space (C4h)');
  t.equal(bmc.sessions.size, QUOTA);
  const c = newClient();
  let flood = 1000;
  establish(bmc, c, CONSOLE, 1000, () => { for (let i = 0; i < 50; i++) challengeFrom(bmc, attacker(2, flood++), 1000); });
  t.ok(getDeviceId(bmc, c, CONSOLE, 1000, 1));
  t.end();
});

t.test('a table full of half-open sessions from many addresses: a new client evicts one and completes its login', (t) => {
  const bmc = defaultChannel();
  const sources = TABLE / QUOTA;
  for (let n = 1; n <= sources; n++) for (let i = 0; i < QUOTA; i++) t.equal(openFrom(bmc, attacker(n, i), 0), RakpStatus.NO_ERRORS);
  t.equal(bmc.sessions.size, TABLE, 'full, every session half-open');
  const c = newClient();
  let flood = 0;
  // Before each of the client's datagrams, every attacking address sends 20 more Open Sessions into the full table.
  establish(bmc, c, CONSOLE, 1, () => {
    for (let i = 0; i < 20; i++) for (let n = 1; n <= sources; n++) openFrom(bmc, attacker(n, flood++), 1);
  });
  t.ok(getDeviceId(bmc, c, CONSOLE, 1, 1), 'the client logged in and is answered');
  t.equal(bmc.sessions.size, TABLE, 'the table never grows past its size');
  t.equal(halfOpen(bmc, 1), TABLE - 1, 'the rest is still half-open');
  t.end();
});

t.test('a full table of active sessions is never evicted for a new setup', (t) => {
  const bmc = testChannel({ limits: { maxSessions: 3 } });
  const clients = [newClient(), newClient(), newClient()];
  clients.forEach((c, i) => establish(bmc, c, { address: '127.0.0.1', port: 41000 + i }, 0));
  t.equal(openFrom(bmc, attacker(1, 0), 1), RakpStatus.INSUFFICIENT_RESOURCES);
  clients.forEach((c, i) => t.ok(getDeviceId(bmc, c, { address: '127.0.0.1', port: 41000 + i }, 1, 2), `session ${i} still works`));
  t.end();
});

t.test('a resent RAKP 1 does not extend the setup deadline', (t) => {
  const bmc = defaultChannel();
  const a = newClient();
  const peer = attacker(3, 0);
  const open = bmc.receive(a.open(), peer, 0);
  const step = a.handshake((open as { datagram: Buffer }).datagram);
  const rakp1 = (step as { datagram: Buffer }).datagram;
  const rakp2Status = (now: number) => {
    const r = bmc.receive(rakp1, peer, now);
    return decodeRakp2(payloadOf((r as { datagram: Buffer }).datagram)).status;
  };
  for (let now = 0; now <= DEFAULT_SESSION_LIMITS.setupTimeoutMs; now += 1000) t.equal(rakp2Status(now), RakpStatus.NO_ERRORS, `RAKP 1 at ${now} ms answered`);
  t.equal(rakp2Status(DEFAULT_SESSION_LIMITS.setupTimeoutMs + 1), RakpStatus.INVALID_SESSION_ID, 'past the setup timeout since Open Session: gone');
  t.equal(bmc.sessions.size, 0);
  t.end();
});

t.test('in-session packets from another address or port are dropped as wrong-peer; the owner is unaffected', (t) => {
  const bmc = defaultChannel();
  const c = newClient();
  establish(bmc, c, CONSOLE, 0);
  const pkt = c.request(NetFn.APP, 0x01, Buffer.alloc(0), 1);
  t.match(bmc.receive(pkt, { address: CONSOLE.address, port: CONSOLE.port + 1 }, 1), { kind: 'drop', reason: 'wrong-peer' }, 'same address, other port');
  t.match(bmc.receive(pkt, { address: '127.66.0.9', port: CONSOLE.port }, 1), { kind: 'drop', reason: 'wrong-peer' }, 'other address, same port');
  t.equal(bmc.receive(pkt, CONSOLE, 1).kind, 'request', 'the same packet from the owner: its sequence number was not used up');
  t.end();
});

t.test('RAKP 1 and RAKP 3 from another peer find no session; the owner completes its login', (t) => {
  const bmc = defaultChannel();
  const c = newClient();
  const open = bmc.receive(c.open(), CONSOLE, 0);
  const rakp1 = (c.handshake((open as { datagram: Buffer }).datagram) as { datagram: Buffer }).datagram;
  const other = { address: CONSOLE.address, port: CONSOLE.port + 7 };
  const stolen1 = bmc.receive(rakp1, other, 0);
  t.equal(decodeRakp2(payloadOf((stolen1 as { datagram: Buffer }).datagram)).status, RakpStatus.INVALID_SESSION_ID, 'RAKP 1 from another port');
  const r2 = bmc.receive(rakp1, CONSOLE, 0);
  const rakp3 = (c.handshake((r2 as { datagram: Buffer }).datagram) as { datagram: Buffer }).datagram;
  const stolen3 = bmc.receive(rakp3, other, 0);
  t.equal(decodeRakp4(payloadOf((stolen3 as { datagram: Buffer }).datagram)).status, RakpStatus.INVALID_SESSION_ID, 'RAKP 3 from another port');
  const r4 = bmc.receive(rakp3, CONSOLE, 0);
  t.equal(c.handshake((r4 as { datagram: Buffer }).datagram).kind, 'established');
  t.ok(getDeviceId(bmc, c, CONSOLE, 0, 1));
  t.end();
});

t.test('IPMI 1.5: Activate Session and in-session packets from another peer are dropped as wrong-peer', (t) => {
  const bmc = defaultChannel();
  const password = Buffer.from('password');
  const challenge = bmc.receive(sessionlessRequest(NetFn.APP, SessionCommand.GET_SESSION_CHALLENGE,
    encodeSessionChallengeRequest({ authType: AuthType.MD5, username: 'admin' }), 1), CONSOLE, 0);
  const ch = decodeSessionChallengeResponse(sessionlessResponse((challenge as { datagram: Buffer }).datagram).data);
  const packet = (seq: number, cmd: number, data: Buffer) => {
    const message = encodeRequest({ rsAddr: BMC_SLAVE_ADDRESS, netFn: NetFn.APP, rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID, rqSeq: 2, rqLun: 0, cmd, data });
    return encodeSessionV15({ authType: AuthType.MD5, sequence: seq, sessionId: ch.tempSessionId, authCode: authCodeV15(AuthType.MD5, password, ch.tempSessionId, seq, message), message });
  };
  const activate = packet(0, SessionCommand.ACTIVATE_SESSION,
    encodeActivateSessionRequest({ authType: AuthType.MD5, maxPrivilege: Privilege.ADMINISTRATOR, challenge: ch.challenge, initialOutboundSeq: 1 }));
  const other = { address: '127.66.0.9', port: CONSOLE.port };
  t.match(bmc.receive(activate, other, 0), { kind: 'drop', reason: 'wrong-peer' }, 'Activate Session from another address');
  const activated = bmc.receive(activate, CONSOLE, 0);
  const res = decodeResponse(decodeSessionV15((activated as { datagram: Buffer }).datagram).message);
  t.equal(res.completionCode, 0, 'the owner activates it');
  const getDeviceIdPkt = packet(decodeActivateSessionResponse(res.data).initialInboundSeq, 0x01, Buffer.alloc(0));
  t.match(bmc.receive(getDeviceIdPkt, other, 1), { kind: 'drop', reason: 'wrong-peer' });
  t.equal(bmc.receive(getDeviceIdPkt, CONSOLE, 1).kind, 'request');
  t.end();
});
