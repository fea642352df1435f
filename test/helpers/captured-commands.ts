// The IPMI messages of test/vectors/ipmi/ipmitool-vs-ipmi_sim.json in the clear, for command codec tests:
// IPMI 1.5 and unencrypted RMCP+ payloads as captured, AES-encrypted ones decrypted with the K2 derived from
// their session's captured handshake (user admin, password "password", no Kg; rmcpplus-known-answers.test
// checks those keys). Sessions whose keys do not decrypt (ones ipmitool aborted) are skipped.
import { DecodeError } from '../../protocols/errors.js';
import { ConfidentialityAlgorithm, suiteByAlgorithms } from '../../protocols/ipmi/cipher-suites.js';
import { decodeRequest, decodeResponse } from '../../protocols/ipmi/message.js';
import { decodeOpenSessionRequest, decodeOpenSessionResponse, decodeRakp1, decodeRakp2, RakpStatus } from '../../protocols/ipmi/rakp.js';
import { aesDecryptPayload, deriveK2, sessionIntegrityKey } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { AuthType, decodeSessionV15 } from '../../protocols/ipmi/session-v15.js';
import { decodeSessionV20, PayloadType } from '../../protocols/ipmi/session-v20.js';
import { loadFrames } from './vectors.js';

export interface CapturedMessage {
  /** Frame number in the capture. */
  n: number;
  from: 'client' | 'bmc';
  /** Request netFn (even) for both directions. */
  netFn: number;
  cmd: number;
  /** Responses only. */
  completionCode?: number;
  /** Data bytes (after the completion code in a response). */
  data: Buffer;
}

const PASSWORD = Buffer.from('password');

function messages(): CapturedMessage[] {
  const out: CapturedMessage[] = [];
  const add = (n: number, from: 'client' | 'bmc', msg: Uint8Array) => {
    if (from === 'client') {
      const r = decodeRequest(msg);
      out.push({ n, from, netFn: r.netFn, cmd: r.cmd, data: Buffer.from(r.data) });
    } else {
      const r = decodeResponse(msg);
      out.push({ n, from, netFn: r.netFn & ~1, cmd: r.cmd, completionCode: r.completionCode, data: Buffer.from(r.data) });
    }
  };
  let open: ReturnType<typeof decodeOpenSessionRequest> | null = null;
  let bmcSessionId = 0;
  let rakp1: ReturnType<typeof decodeRakp1> | null = null;
  let k2: Buffer | null = null;
  for (const f of loadFrames('ipmi/ipmitool-vs-ipmi_sim.json')) {
    const b = f.bytes;
    if (b[3] !== 0x07) continue; // ASF, not IPMI
    if ((b[4] & 0x0f) !== AuthType.RMCP_PLUS) {
      add(f.n, f.from, decodeSessionV15(b).message);
      continue;
    }
    const s = decodeSessionV20(b);
    switch (s.payloadType) {
      case PayloadType.OPEN_SESSION_REQUEST: open = decodeOpenSessionRequest(s.payload); k2 = null; break;
      case PayloadType.OPEN_SESSION_RESPONSE: bmcSessionId = decodeOpenSessionResponse(s.payload).bmcSessionId; break;
      case PayloadType.RAKP1: rakp1 = decodeRakp1(s.payload); break;
      case PayloadType.RAKP2: {
        const r2 = decodeRakp2(s.payload);
        const suite = open ? suiteByAlgorithms(open.auth, open.integrity, open.confidentiality) : undefined;
        if (!open || !rakp1 || !suite || r2.status !== RakpStatus.NO_ERRORS) break;
        if (suite.confidentiality !== ConfidentialityAlgorithm.AES_CBC_128) break;
        k2 = deriveK2(suite.auth, sessionIntegrityKey(suite.auth, PASSWORD, {
          consoleSessionId: open.consoleSessionId, bmcSessionId, consoleRandom: rakp1.consoleRandom, bmcRandom: r2.bmcRandom,
          bmcGuid: r2.bmcGuid, role: rakp1.role, username: rakp1.username,
        }));
        break;
      }
      case PayloadType.IPMI:
        if (!s.encrypted) add(f.n, f.from, s.payload);
        else if (k2) {
          try {
            add(f.n, f.from, aesDecryptPayload(k2, s.payload));
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
          }
        }
        break;
    }
  }
  return out;
}

let cache: CapturedMessage[] | null = null;

/** Every IPMI message of the capture, in order. */
export function capturedMessages(): CapturedMessage[] {
  return (cache ??= messages());
}

/** ipmitool's request data for one command. */
export function capturedRequests(netFn: number, cmd: number): Buffer[] {
  return capturedMessages().filter((m) => m.from === 'client' && m.netFn === netFn && m.cmd === cmd).map((m) => m.data);
}

/** ipmi_sim's response data (completion code 00h) for one command. */
export function capturedResponses(netFn: number, cmd: number): Buffer[] {
  return capturedMessages().filter((m) => m.from === 'bmc' && m.completionCode === 0 && m.netFn === netFn && m.cmd === cmd).map((m) => m.data);
}
