// Known-answer tests: the RAKP HMACs, SIK, K1/K2, integrity and AES of real ipmitool-vs-ipmi_sim sessions
// (test/vectors/ipmi/ipmitool-vs-ipmi_sim.json; user admin, password "password", no Kg).
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
import { password16 } from '../../protocols/ipmi/auth-v15.js';

const PASSWORD = Buffer.from('password');
const frames = loadFrames('ipmi/ipmitool-vs-ipmi_sim.json');
const v20 = frames.map((f) => {
  const b = f.bytes;
  return b[3] === 0x07 && b[4] === 0x06 ? { f, s: decodeSessionV20(b) } : null;
});

let sessionsChecked = 0;
const suitesSeen = new Set<number>();
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
  t.test(`suite ${suite.id} session at frame ${open.f.n}`, (t) => {
    t.same(rakp2AuthCode(suite.auth, PASSWORD, vals), Buffer.from(r2.authCode), 'RAKP 2 HMAC');
    const r3 = decodeRakp3(v20[i + 4]!.s.payload);
    t.same(rakp3AuthCode(suite.auth, PASSWORD, vals), Buffer.from(r3.authCode), 'RAKP 3 HMAC');
    const sik = sessionIntegrityKey(suite.auth, PASSWORD, vals);
    const r4 = decodeRakp4(v20[i + 5]!.s.payload);
    t.same(rakp4Icv(suite.auth, sik, vals), Buffer.from(r4.icv), 'RAKP 4 ICV');
    const k1 = deriveK1(suite.auth, sik);
    const k2 = deriveK2(suite.auth, sik);
    // The first in-session packets: one from ipmitool, one from ipmi_sim.
    let checked = 0;
    for (let j = i + 6; j < v20.length && checked < 2; j++) {
      const p = v20[j];
      if (!p || p.s.payloadType !== PayloadType.IPMI || p.s.sessionId === 0) break;
      if (suite.integrity !== IntegrityAlgorithm.NONE) {
        t.ok(p.s.authenticated, `frame ${p.f.n} authenticated`);
        t.same(integrityAuthCode(suite.integrity, k1, password16(PASSWORD), p.s.integrityData), Buffer.from(p.s.authCode), `frame ${p.f.n} integrity`);
      }
      const plain = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128 ? aesDecryptPayload(k2, p.s.payload) : p.s.payload;
      const msg = p.f.from === 'client' ? decodeRequest(plain) : decodeResponse(plain);
      t.ok(msg.netFn >= 0, `frame ${p.f.n} decodes as an IPMI ${p.f.from === 'client' ? 'request' : 'response'}`);
      checked++;
    }
    t.ok(checked > 0 || suite.integrity === IntegrityAlgorithm.MD5_128, 'in-session packets checked');
    t.end();
  });
  sessionsChecked++;
  suitesSeen.add(suite.id);
}

t.test('the capture covers suites 1, 2, 3 and 6', (t) => {
  for (const id of [1, 2, 3, 6]) t.ok(suitesSeen.has(id), `suite ${id}`);
  t.ok(sessionsChecked >= 4);
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
