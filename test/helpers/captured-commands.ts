// test/vectors/ipmi/ipmitool-vs-ipmi_sim.json taken apart, for codec tests: every datagram with the IPMI message
// it carries in the clear — IPMI 1.5 and unencrypted RMCP+ payloads as captured, AES-encrypted ones decrypted
// with the K2 derived from their session's captured handshake (user admin, password "password", no Kg;
// rmcpplus-known-answers.test checks those keys). Payloads whose keys do not decrypt (sessions ipmitool aborted)
// carry no message.
import { DecodeError } from '../../protocols/errors.js';
import { ConfidentialityAlgorithm, suiteByAlgorithms } from '../../protocols/ipmi/cipher-suites.js';
import { decodeRequest, decodeResponse } from '../../protocols/ipmi/message.js';
import { decodeOpenSessionRequest, decodeOpenSessionResponse, decodeRakp1, decodeRakp2, RakpStatus } from '../../protocols/ipmi/rakp.js';
import { aesDecryptPayload, deriveK2, sessionIntegrityKey } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { AuthType, decodeSessionV15 } from '../../protocols/ipmi/session-v15.js';
import { decodeSessionV20, PayloadType, type DecodedSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { loadFrames, type Frame } from './vectors.js';

/** One datagram of the capture. */
export interface CapturedDatagram {
  frame: Frame;
  /** RMCP+ datagrams: the session wrapper (ASF and IPMI 1.5 datagrams have none). */
  session?: DecodedSessionV20;
  /** The IPMI message inside, in the clear, when there is one that decodes. */
  message?: Buffer;
  /** An encrypted payload's K2, the key that decrypted `message`. */
  k2?: Buffer;
}

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
const RMCP_CLASS_IPMI = 0x07;

function toMessage(n: number, from: 'client' | 'bmc', msg: Uint8Array): CapturedMessage {
  if (from === 'client') {
    const r = decodeRequest(msg);
    return { n, from, netFn: r.netFn, cmd: r.cmd, data: Buffer.from(r.data) };
  }
  const r = decodeResponse(msg);
  return { n, from, netFn: r.netFn & ~1, cmd: r.cmd, completionCode: r.completionCode, data: Buffer.from(r.data) };
}

interface Capture { datagrams: CapturedDatagram[]; messages: CapturedMessage[] }

function takeApart(file: string): Capture {
  const datagrams: CapturedDatagram[] = [];
  const messages: CapturedMessage[] = [];
  /** Keeps a message that decodes; one that does not throws its DecodeError before anything is kept. */
  const carry = (d: CapturedDatagram, message: Buffer) => {
    messages.push(toMessage(d.frame.n, d.frame.from, message));
    d.message = message;
  };
  let open: ReturnType<typeof decodeOpenSessionRequest> | null = null;
  let bmcSessionId = 0;
  let rakp1: ReturnType<typeof decodeRakp1> | null = null;
  let k2: Buffer | null = null;
  for (const frame of loadFrames(file)) {
    const b = frame.bytes;
    if (b[3] !== RMCP_CLASS_IPMI) {
      datagrams.push({ frame }); // ASF
      continue;
    }
    if ((b[4] & 0x0f) !== AuthType.RMCP_PLUS) {
      const v15: CapturedDatagram = { frame };
      carry(v15, Buffer.from(decodeSessionV15(b).message));
      datagrams.push(v15);
      continue;
    }
    const session = decodeSessionV20(b);
    const d: CapturedDatagram = { frame, session };
    datagrams.push(d);
    switch (session.payloadType) {
      case PayloadType.OPEN_SESSION_REQUEST: open = decodeOpenSessionRequest(session.payload); k2 = null; break;
      case PayloadType.OPEN_SESSION_RESPONSE: bmcSessionId = decodeOpenSessionResponse(session.payload).bmcSessionId; break;
      case PayloadType.RAKP1: rakp1 = decodeRakp1(session.payload); break;
      case PayloadType.RAKP2: {
        const r2 = decodeRakp2(session.payload);
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
        if (!session.encrypted) carry(d, Buffer.from(session.payload));
        else if (k2) {
          try {
            carry(d, aesDecryptPayload(k2, session.payload));
            d.k2 = k2;
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
          }
        }
        break;
    }
  }
  return { datagrams, messages };
}

/** ipmitool against ipmi_sim, the default; others (ipmi/ipmitool-hpm-vs-bmcfleet.json) by name. */
const DEFAULT_CAPTURE = 'ipmi/ipmitool-vs-ipmi_sim.json';
const captures = new Map<string, Capture>();

function capture(file: string): Capture {
  let c = captures.get(file);
  if (!c) captures.set(file, (c = takeApart(file)));
  return c;
}

/** Every datagram of the capture, in order. */
export function capturedDatagrams(file = DEFAULT_CAPTURE): CapturedDatagram[] {
  return capture(file).datagrams;
}

/** Every IPMI message of the capture that could be read, in order. */
export function capturedMessages(file = DEFAULT_CAPTURE): CapturedMessage[] {
  return capture(file).messages;
}

/** ipmitool's request data for one command. */
export function capturedRequests(netFn: number, cmd: number): Buffer[] {
  return capturedMessages().filter((m) => m.from === 'client' && m.netFn === netFn && m.cmd === cmd).map((m) => m.data);
}

/** ipmi_sim's response data (completion code 00h) for one command. */
export function capturedResponses(netFn: number, cmd: number): Buffer[] {
  return capturedMessages().filter((m) => m.from === 'bmc' && m.completionCode === 0 && m.netFn === netFn && m.cmd === cmd).map((m) => m.data);
}

/** The requests ipmitool sent for (netFn, cmd), each with ipmi_sim's answer (the next message from the BMC). */
export function capturedExchanges(netFn: number, cmd: number): { request: CapturedMessage; response: CapturedMessage }[] {
  const all = capturedMessages();
  const out: { request: CapturedMessage; response: CapturedMessage }[] = [];
  all.forEach((m, i) => {
    if (m.from !== 'client' || m.netFn !== netFn || m.cmd !== cmd) return;
    const response = all[i + 1];
    if (response?.from === 'bmc' && response.netFn === netFn && response.cmd === cmd) out.push({ request: m, response });
  });
  return out;
}
