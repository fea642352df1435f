// Known-answer tests: the RAKP HMACs, SIK, K1/K2, integrity and AES of real sessions, no Kg:
// ipmitool vs ipmi_sim (test/vectors/ipmi/ipmitool-vs-ipmi_sim.json; user admin, password "password"), and FreeIPMI's
// MD5-128 sessions (suites 11 and 12), which ipmitool cannot run: against ipmi_sim (freeipmi-vs-ipmi_sim.json,
// password "password") and against bmcfleet (freeipmi-vs-bmcfleet.json, the 20-byte password "twenty-byte-password").
import t from 'tap';
import { loadFrames } from '../helpers/vectors.js';
import { decodeSessionV20, PayloadType } from '../../protocols/ipmi/session-v20.js';
import { decodeSessionV15 } from '../../protocols/ipmi/session-v15.js';
import { authCodeV15 } from '../../protocols/ipmi/auth-v15.js';
import { decodeOpenSessionRequest, decodeOpenSessionResponse, decodeRakp1, decodeRakp2, decodeRakp3, decodeRakp4, RakpStatus } from '../../protocols/ipmi/rakp.js';
import { aesDecryptPayload, deriveK1, deriveK2, integrityAuthCode, rakp2AuthCode, rakp3AuthCode, rakp4Icv, sessionIntegrityKey, type RakpValues } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { ConfidentialityAlgorithm, IntegrityAlgorithm, suiteByAlgorithms } from '../../protocols/ipmi/cipher-suites.js';
import { decodeRequest, decodeResponse } from '../../protocols/ipmi/message.js';
import { decodeRmcpHeader } from '../../protocols/rmcp/header.js';

const PASSWORD = Buffer.from('password');
const frames = loadFrames('ipmi/ipmitool-vs-ipmi_sim.json');

interface Checked { sessions: number; suites: Set<number>; md5128Packets: number }

/** Checks every complete RMCP+ session in `file`; `inSessionLimit` packets of each are verified and decoded. */
function checkSessions(file: string, password: Buffer, inSessionLimit: number): Checked {
  const result: Checked = { sessions: 0, suites: new Set(), md5128Packets: 0 };
  const v20 = loadFrames(file).map((f) => {
    const b = f.bytes;
    return b[3] === 0x07 && b[4] === 0x06 ? { f, s: decodeSessionV20(b) } : null;
  });
  for (let i = 0; i < v20.length; i++) {
    const open = v20[i];
    if (!open || open.s.payloadType !== PayloadType.OPEN_SESSION_REQUEST) continue;
    const req = decodeOpenSessionRequest(open.s.payload);
    const resp = decodeOpenSessionResponse(v20[i + 1]!.s.payload);
    const r1 = v20[i + 2]?.s.payloadType === PayloadType.RAKP1 ? decodeRakp1(v20[i + 2]!.s.payload) : null;
    const r2 = v20[i + 3]?.s.payloadType === PayloadType.RAKP2 ? decodeRakp2(v20[i + 3]!.s.payload) : null;
    if (!r1 || !r2 || resp.status !== RakpStatus.NO_ERRORS || r2.status !== RakpStatus.NO_ERRORS) continue;
    const suite = suiteByAlgorithms(req.auth, req.integrity, req.confidentiality)!;
    const vals: RakpValues = {
      consoleSessionId: req.consoleSessionId, bmcSessionId: resp.bmcSessionId, consoleRandom: r1.consoleRandom,
      bmcRandom: r2.bmcRandom, bmcGuid: r2.bmcGuid, role: r1.role, username: r1.username,
    };
    t.test(`${file}: suite ${suite.id} session at frame ${open.f.n}`, (t) => {
      t.same(rakp2AuthCode(suite.auth, password, vals), Buffer.from(r2.authCode), 'RAKP 2 HMAC');
      const r3 = decodeRakp3(v20[i + 4]!.s.payload);
      t.same(rakp3AuthCode(suite.auth, password, vals), Buffer.from(r3.authCode), 'RAKP 3 HMAC');
      const sik = sessionIntegrityKey(suite.auth, password, vals);
      const r4 = decodeRakp4(v20[i + 5]!.s.payload);
      t.same(rakp4Icv(suite.auth, sik, vals), Buffer.from(r4.icv), 'RAKP 4 ICV');
      const k1 = deriveK1(suite.auth, sik);
      const k2 = deriveK2(suite.auth, sik);
      // The first in-session packets, from the client and from the BMC.
      let checked = 0;
      for (let j = i + 6; j < v20.length && checked < inSessionLimit; j++) {
        const p = v20[j];
        if (!p || p.s.payloadType !== PayloadType.IPMI || p.s.sessionId === 0) break;
        if (suite.integrity !== IntegrityAlgorithm.NONE) {
          t.ok(p.s.authenticated, `frame ${p.f.n} authenticated`);
          t.same(integrityAuthCode(suite.integrity, k1, password, p.s.integrityData), Buffer.from(p.s.authCode), `frame ${p.f.n} integrity`);
          if (suite.integrity === IntegrityAlgorithm.MD5_128) result.md5128Packets++;
        }
        const plain = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128 ? aesDecryptPayload(k2, p.s.payload) : p.s.payload;
        const msg = p.f.from === 'client' ? decodeRequest(plain) : decodeResponse(plain);
        t.ok(msg.netFn >= 0, `frame ${p.f.n} decodes as an IPMI ${p.f.from === 'client' ? 'request' : 'response'}`);
        checked++;
      }
      // ipmitool aborts before its first MD5-128 packet (see the capture's notes); FreeIPMI's sessions have them.
      t.ok(checked > 0 || suite.integrity === IntegrityAlgorithm.MD5_128, 'in-session packets checked');
      t.end();
    });
    result.sessions++;
    result.suites.add(suite.id);
  }
  return result;
}

const ipmitool = checkSessions('ipmi/ipmitool-vs-ipmi_sim.json', PASSWORD, 2);
const freeipmiVsIpmiSim = checkSessions('ipmi/freeipmi-vs-ipmi_sim.json', PASSWORD, Infinity);
const freeipmiVsBmcfleet = checkSessions('ipmi/freeipmi-vs-bmcfleet.json', Buffer.from('twenty-byte-password'), Infinity);

t.test('MD5-128 (suites 11, 12) keys with the 20-byte password field: every packet of FreeIPMI\'s sessions verifies', (t) => {
  t.same([...freeipmiVsIpmiSim.suites], [11], 'FreeIPMI vs ipmi_sim: suite 11');
  t.equal(freeipmiVsIpmiSim.md5128Packets, 6, 'Set Session Privilege, Get Device ID and Close Session, both ways');
  t.same([...freeipmiVsBmcfleet.suites], [11, 12], 'FreeIPMI vs bmcfleet: suites 11 and 12');
  t.equal(freeipmiVsBmcfleet.md5128Packets, 12, 'six packets a session');
  t.end();
});

t.test('the capture covers suites 1, 2, 3 and 6', (t) => {
  for (const id of [1, 2, 3, 6]) t.ok(ipmitool.suites.has(id), `suite ${id}`);
  t.ok(ipmitool.sessions >= 4);
  t.end();
});

t.test('IPMI 1.5 MD5 AuthCodes in the capture verify', (t) => {
  let n = 0;
  for (const f of frames) {
    if (f.bytes[3] !== 0x07 || f.bytes[4] !== 0x02) continue;
    decodeRmcpHeader(f.bytes);
    const s = decodeSessionV15(f.bytes);
    t.same(authCodeV15(s.authType, PASSWORD, s.sessionId, s.sequence, s.message), Buffer.from(s.authCode!), `frame ${f.n}`);
    n++;
  }
  t.ok(n >= 4, `${n} MD5 frames`);
  t.end();
});
