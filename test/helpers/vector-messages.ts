// The IPMI messages inside the RMCP+ sessions of a capture, by default test/vectors/ipmi/ipmitool-vs-ipmi_sim.json,
// decrypted with the capture's known password ("password", no Kg): what ipmitool really sent and what the BMC
// (ipmi_sim there) answered, by command.
import { ConfidentialityAlgorithm, suiteByAlgorithms, type CipherSuite } from '../../protocols/ipmi/cipher-suites.js';
import { decodeRequest, decodeResponse } from '../../protocols/ipmi/message.js';
import { decodeOpenSessionRequest, decodeOpenSessionResponse, decodeRakp1, decodeRakp2 } from '../../protocols/ipmi/rakp.js';
import { aesDecryptPayload, deriveK2, sessionIntegrityKey } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { PayloadType, decodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { loadFrames } from './vectors.js';

export interface VectorMessage {
  /** Frame number in the capture. */
  frame: number;
  from: 'client' | 'bmc';
  /** The request's netFn (even) for both directions. */
  netFn: number;
  cmd: number;
  /** Responses only. */
  completionCode?: number;
  data: Uint8Array;
}

const PASSWORD = Buffer.from('password');

function isRmcpPlus(b: Uint8Array): boolean {
  return b[3] === 0x07 && b[4] === 0x06; // RMCP class IPMI, auth type RMCP+ (IPMI 2.0 §13.6)
}

const DEFAULT_CAPTURE = 'ipmi/ipmitool-vs-ipmi_sim.json';

/** Every in-session IPMI message of the capture's RMCP+ sessions, in capture order. */
export function capturedMessages(capture = DEFAULT_CAPTURE): VectorMessage[] {
  const frames = loadFrames(capture);
  const out: VectorMessage[] = [];
  let suite: CipherSuite | undefined;
  let k2: Buffer | undefined;
  for (let i = 0; i < frames.length; i++) {
    if (!isRmcpPlus(frames[i].bytes)) continue;
    const s = decodeSessionV20(frames[i].bytes);
    if (s.payloadType === PayloadType.OPEN_SESSION_REQUEST) {
      const open = decodeOpenSessionRequest(s.payload);
      suite = suiteByAlgorithms(open.auth, open.integrity, open.confidentiality);
      k2 = undefined;
      const [resp, rakp1, rakp2] = [1, 2, 3].map((n) => frames[i + n] && isRmcpPlus(frames[i + n].bytes) ? decodeSessionV20(frames[i + n].bytes) : undefined);
      if (!suite || resp?.payloadType !== PayloadType.OPEN_SESSION_RESPONSE || rakp1?.payloadType !== PayloadType.RAKP1 || rakp2?.payloadType !== PayloadType.RAKP2) continue;
      const r1 = decodeRakp1(rakp1.payload);
      const r2 = decodeRakp2(rakp2.payload);
      const sik = sessionIntegrityKey(suite.auth, PASSWORD, {
        consoleSessionId: open.consoleSessionId, bmcSessionId: decodeOpenSessionResponse(resp.payload).bmcSessionId,
        consoleRandom: r1.consoleRandom, bmcRandom: r2.bmcRandom, bmcGuid: r2.bmcGuid, role: r1.role, username: r1.username,
      });
      k2 = deriveK2(suite.auth, sik);
      continue;
    }
    if (s.payloadType !== PayloadType.IPMI || s.sessionId === 0 || !suite) continue;
    const encrypted = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128;
    if (encrypted && !k2) continue;
    const plain = encrypted ? aesDecryptPayload(k2!, s.payload) : s.payload;
    const from = frames[i].from;
    if (from === 'client') {
      const m = decodeRequest(plain);
      out.push({ frame: frames[i].n, from, netFn: m.netFn, cmd: m.cmd, data: m.data });
    } else {
      const m = decodeResponse(plain);
      out.push({ frame: frames[i].n, from, netFn: m.netFn & ~1, cmd: m.cmd, completionCode: m.completionCode, data: m.data });
    }
  }
  return out;
}

/** The requests ipmitool sent for (netFn, cmd), each with the BMC's answer (the next message from the BMC). */
export function capturedExchanges(netFn: number, cmd: number, capture = DEFAULT_CAPTURE): { request: VectorMessage; response: VectorMessage }[] {
  const messages = capturedMessages(capture);
  const out: { request: VectorMessage; response: VectorMessage }[] = [];
  messages.forEach((m, i) => {
    if (m.from !== 'client' || m.netFn !== netFn || m.cmd !== cmd) return;
    const response = messages[i + 1];
    if (response?.from === 'bmc' && response.netFn === netFn && response.cmd === cmd) out.push({ request: m, response });
  });
  return out;
}
