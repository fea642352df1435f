// CHAP in the login's security stage — RFC 7143 §12.1.3, the response of RFC 1994 §4.1. Pure: the target's
// randomness is passed in.
//   I -> T  AuthMethod=CHAP,None                T -> I  AuthMethod=CHAP
//   I -> T  CHAP_A=5                            T -> I  CHAP_A=5 CHAP_I=<identifier> CHAP_C=<challenge>
//   I -> T  CHAP_N=<name> CHAP_R=<response>     T -> I  (authenticated: the login goes on)
// CHAP_A 5 is MD5, the only algorithm RFC 7143 requires; CHAP_R = MD5(identifier || secret || challenge).
// Binary values (§6.1) are hex, "0x..." (an odd digit count has an implied leading 0), or base64, "0b...".
// Mutual CHAP: the initiator sends its own CHAP_I and CHAP_C with its response, and the target answers with its own
// account's CHAP_N and CHAP_R; a target without one, or an initiator challenge equal to the target's (a reflection),
// fails with authentication failure. An initiator that asked for it checks the answer.
import { createHash, timingSafeEqual } from 'node:crypto';
import { DecodeError } from '../errors.js';
import { IscsiError, PROTO } from './bhs.js';
import { LoginStatus } from './login.js';
import { textValue, type TextPairs } from './text.js';

/** CHAP_A: the algorithm's PPP number (RFC 1994 §4.1, IANA "PPP Authentication Algorithms"): 5 is MD5. */
export const CHAP_MD5 = 5;
/** Challenge bytes a target sends (RFC 7143 §12.1.3 asks for at least the hash's 16). */
export const CHAP_CHALLENGE_LENGTH = 16;
/** The longest challenge taken (RFC 7143 §12.1.3: 1024 bytes). */
export const CHAP_MAX_CHALLENGE = 1024;
/** The shortest secret (RFC 7143 §9.2.1: at least 96 bits; tgtd and LIO refuse shorter ones). */
export const CHAP_MIN_SECRET = 12;
const MD5_LENGTH = 16;

export const ChapKey = { algorithm: 'CHAP_A', identifier: 'CHAP_I', challenge: 'CHAP_C', name: 'CHAP_N', response: 'CHAP_R' } as const;
const CHAP_KEYS: ReadonlySet<string> = new Set(Object.values(ChapKey));

export function isChapKey(key: string): boolean {
  return CHAP_KEYS.has(key);
}

/** A CHAP account: the name and secret one side proves it knows. */
export interface ChapCredentials {
  name: string;
  secret: Buffer;
}

/** An account an initiator logs in with, and the one a target proves itself with (mutual CHAP). */
export interface ChapAccount extends ChapCredentials {
  mutual?: ChapCredentials;
}

/** CHAP_R (RFC 1994 §4.1): MD5 over the identifier byte, the secret, then the challenge. */
export function chapResponse(identifier: number, secret: Buffer, challenge: Buffer): Buffer {
  return createHash('md5').update(Buffer.of(identifier & 0xff)).update(secret).update(challenge).digest();
}

function badKey(key: string, reason: string): DecodeError {
  return new DecodeError(PROTO, `key ${key}`, 0, reason, IscsiError.text);
}

/** A binary value (§6.1): 0x hex or 0b base64; anything else is a DecodeError. */
export function decodeBinaryValue(key: string, value: string): Buffer {
  const prefix = value.slice(0, 2).toLowerCase();
  const body = value.slice(2);
  if (prefix === '0x' && /^[0-9a-fA-F]+$/.test(body)) return Buffer.from(body.length % 2 === 1 ? `0${body}` : body, 'hex');
  if (prefix === '0b' && body.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0) return Buffer.from(body, 'base64');
  throw badKey(key, `"${value.slice(0, 64)}" is not a 0x hex or 0b base64 value`);
}

/** The hex form we send. */
export function encodeBinaryValue(bytes: Buffer): string {
  return `0x${bytes.toString('hex')}`;
}

/** CHAP_I: a number 0-255, decimal or 0x hex (§6.1 numerical value). */
function decodeIdentifier(value: string): number {
  const n = /^0x[0-9a-f]{1,2}$/i.test(value) ? parseInt(value.slice(2), 16) : /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 255)) throw badKey(ChapKey.identifier, `"${value.slice(0, 64)}" is not 0-255`);
  return n;
}

function algorithms(value: string): number[] {
  return value.split(',').map((v) => (/^\d{1,5}$/.test(v) ? Number(v) : -1));
}

// ---------------------------------------------------------------- the target's side

/** What the target's CHAP exchange does with one Login Request's keys. */
export type ChapTargetStep =
  /** Keys to answer with; the security stage goes on (T=0) until `done`. */
  | { kind: 'answer'; answers: TextPairs; done: boolean }
  /** The login fails with this status (02/01 authentication failure, 02/00 initiator error, 02/07 missing parameter). */
  | { kind: 'fail'; status: number; reason: string };

/**
 * The target's half of one CHAP exchange, for a target that demands CHAP. Fed the keys of each security-stage
 * request after AuthMethod=CHAP was chosen; one challenge per exchange, checked once.
 */
export class ChapTargetExchange {
  private state: 'algorithm' | 'response' | 'done' | 'failed' = 'algorithm';
  private identifier = 0;
  private challenge: Buffer = Buffer.alloc(0);
  private readonly account: ChapAccount;
  private readonly random: (bytes: number) => Buffer;

  /** `account`: what the initiator must prove; its `mutual`, the target's own, for an initiator that asks. */
  constructor(account: ChapAccount, random: (bytes: number) => Buffer) {
    this.account = account;
    this.random = random;
  }

  get authenticated(): boolean {
    return this.state === 'done';
  }

  /** The CHAP keys of one request (others are left to the caller). */
  receive(pairs: TextPairs): ChapTargetStep {
    const step = this.step(pairs);
    if (step.kind === 'fail') this.state = 'failed';
    return step;
  }

  private step(pairs: TextPairs): ChapTargetStep {
    const has = (key: string) => textValue(pairs, key) !== undefined;
    try {
      switch (this.state) {
        case 'algorithm': {
          const offered = textValue(pairs, ChapKey.algorithm);
          if (offered === undefined) {
            if (pairs.some(([k]) => isChapKey(k))) return { kind: 'fail', status: LoginStatus.initiatorError, reason: 'CHAP keys before CHAP_A' };
            return { kind: 'answer', answers: [], done: false }; // CHAP_A may come in a later request
          }
          if (!algorithms(offered).includes(CHAP_MD5)) return { kind: 'fail', status: LoginStatus.authenticationFailure, reason: `CHAP_A=${offered.slice(0, 32)}: no MD5 (5)` };
          if (has(ChapKey.name) || has(ChapKey.response)) return { kind: 'fail', status: LoginStatus.initiatorError, reason: 'CHAP_N/CHAP_R before the challenge' };
          this.identifier = this.random(1)[0];
          this.challenge = this.random(CHAP_CHALLENGE_LENGTH);
          this.state = 'response';
          return {
            kind: 'answer', done: false,
            answers: [[ChapKey.algorithm, String(CHAP_MD5)], [ChapKey.identifier, String(this.identifier)], [ChapKey.challenge, encodeBinaryValue(this.challenge)]],
          };
        }
        case 'response': {
          if (has(ChapKey.algorithm)) return { kind: 'fail', status: LoginStatus.initiatorError, reason: 'CHAP_A twice' };
          const name = textValue(pairs, ChapKey.name);
          const response = textValue(pairs, ChapKey.response);
          if (name === undefined || response === undefined) return { kind: 'fail', status: LoginStatus.missingParameter, reason: 'no CHAP_N or CHAP_R' };
          const answer = decodeBinaryValue(ChapKey.response, response);
          if (answer.length !== MD5_LENGTH) return { kind: 'fail', status: LoginStatus.initiatorError, reason: `CHAP_R of ${answer.length} bytes, not MD5's 16` };
          const theirIdentifier = textValue(pairs, ChapKey.identifier);
          const theirChallenge = textValue(pairs, ChapKey.challenge);
          if ((theirIdentifier === undefined) !== (theirChallenge === undefined)) return { kind: 'fail', status: LoginStatus.initiatorError, reason: 'CHAP_I without CHAP_C, or CHAP_C without CHAP_I' };
          const ours = this.challenge;
          this.challenge = Buffer.alloc(0); // used once
          const expected = chapResponse(this.identifier, this.account.secret, ours);
          if (name !== this.account.name || !timingSafeEqual(answer, expected)) {
            return { kind: 'fail', status: LoginStatus.authenticationFailure, reason: name !== this.account.name ? 'unknown CHAP_N' : 'wrong CHAP_R' };
          }
          this.state = 'done';
          if (theirIdentifier === undefined || theirChallenge === undefined) return { kind: 'answer', answers: [], done: true };
          // the initiator asks the target to prove itself (mutual CHAP)
          const mutual = this.account.mutual;
          if (mutual === undefined) return { kind: 'fail', status: LoginStatus.authenticationFailure, reason: 'mutual CHAP asked of a target without its own account' };
          const identifier = decodeIdentifier(theirIdentifier);
          const challenge = decodeBinaryValue(ChapKey.challenge, theirChallenge);
          if (challenge.length === 0 || challenge.length > CHAP_MAX_CHALLENGE) return { kind: 'fail', status: LoginStatus.initiatorError, reason: `a CHAP_C of ${challenge.length} bytes` };
          if (challenge.equals(ours)) return { kind: 'fail', status: LoginStatus.authenticationFailure, reason: 'the initiator sent back the target\'s own challenge' };
          return {
            kind: 'answer', done: true,
            answers: [[ChapKey.name, mutual.name], [ChapKey.response, encodeBinaryValue(chapResponse(identifier, mutual.secret, challenge))]],
          };
        }
        case 'done':
          if (pairs.some(([k]) => isChapKey(k))) return { kind: 'fail', status: LoginStatus.initiatorError, reason: 'CHAP keys after authentication' };
          return { kind: 'answer', answers: [], done: true };
        default:
          return { kind: 'fail', status: LoginStatus.authenticationFailure, reason: 'the exchange failed' };
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { kind: 'fail', status: LoginStatus.initiatorError, reason: err.message };
    }
  }
}

// ---------------------------------------------------------------- the initiator's side

/** What the initiator sends next in the security stage: more keys, nothing (CHAP done or not wanted), or a refusal of the target (mutual CHAP). */
export type ChapInitiatorStep = { kind: 'send'; pairs: TextPairs } | { kind: 'done' } | { kind: 'refuse'; reason: string };

/**
 * The initiator's half: offers AuthMethod=CHAP,None when it holds credentials (None otherwise), then answers the
 * target's challenge; with `account.mutual`, challenges the target too (random bytes from `random`) and refuses a
 * wrong answer. A malformed or unexpected answer from the target is a DecodeError.
 */
export class ChapInitiatorExchange {
  private state: 'method' | 'challenge' | 'sent' | 'done' = 'method';
  private readonly account: ChapAccount | null;
  private readonly random: ((bytes: number) => Buffer) | null;
  /** Our challenge to the target (mutual CHAP). */
  private asked: { identifier: number; challenge: Buffer } | null = null;

  constructor(account: ChapAccount | null, random: ((bytes: number) => Buffer) | null = null) {
    if (account?.mutual && random === null) throw new Error('mutual CHAP needs a random source');
    this.account = account;
    this.random = random;
  }

  /** The AuthMethod offer of the first request. */
  offer(): TextPairs {
    return [['AuthMethod', this.account ? 'CHAP,None' : 'None']];
  }

  private chose = false;

  /** Whether the target chose CHAP. */
  get usedChap(): boolean {
    return this.chose;
  }

  /** The target's answers to the last request; what to send next. */
  receive(answers: TextPairs): ChapInitiatorStep {
    const method = textValue(answers, 'AuthMethod');
    if (this.state === 'method') {
      if (method === undefined) return { kind: 'send', pairs: [] }; // not answered yet (a continuation)
      if (method === 'None') { this.state = 'done'; return { kind: 'done' }; }
      if (method !== 'CHAP' || this.account === null) throw badKey('AuthMethod', `"${method.slice(0, 64)}" was not offered`);
      this.chose = true;
      this.state = 'challenge';
      if (textValue(answers, ChapKey.challenge) === undefined) return { kind: 'send', pairs: [[ChapKey.algorithm, String(CHAP_MD5)]] };
    }
    if (this.state === 'challenge') {
      const algorithm = textValue(answers, ChapKey.algorithm);
      const identifier = textValue(answers, ChapKey.identifier);
      const challenge = textValue(answers, ChapKey.challenge);
      if (algorithm === undefined && identifier === undefined && challenge === undefined) return { kind: 'send', pairs: [] };
      if (algorithm !== String(CHAP_MD5)) throw badKey(ChapKey.algorithm, `"${(algorithm ?? '').slice(0, 32)}" is not the MD5 (5) offered`);
      if (identifier === undefined || challenge === undefined) throw badKey(ChapKey.challenge, 'CHAP_A without CHAP_I and CHAP_C');
      const bytes = decodeBinaryValue(ChapKey.challenge, challenge);
      if (bytes.length === 0 || bytes.length > CHAP_MAX_CHALLENGE) throw badKey(ChapKey.challenge, `a challenge of ${bytes.length} bytes`);
      const account = this.account!;
      this.state = 'sent';
      const pairs: TextPairs = [[ChapKey.name, account.name], [ChapKey.response, encodeBinaryValue(chapResponse(decodeIdentifier(identifier), account.secret, bytes))]];
      if (account.mutual) {
        let challenge = this.random!(CHAP_CHALLENGE_LENGTH);
        if (challenge.equals(bytes)) challenge = this.random!(CHAP_CHALLENGE_LENGTH); // never the target's own (a reflection)
        this.asked = { identifier: this.random!(1)[0], challenge };
        pairs.push([ChapKey.identifier, String(this.asked.identifier)], [ChapKey.challenge, encodeBinaryValue(challenge)]);
      }
      return { kind: 'send', pairs };
    }
    if (this.state === 'sent') {
      this.state = 'done';
      const mutual = this.account?.mutual;
      if (mutual === undefined || this.asked === null) {
        if (answers.some(([k]) => isChapKey(k))) throw badKey(ChapKey.response, 'the target sent CHAP keys after the response (mutual CHAP was not asked)');
        return { kind: 'done' };
      }
      const name = textValue(answers, ChapKey.name);
      const response = textValue(answers, ChapKey.response);
      if (name === undefined || response === undefined) return { kind: 'refuse', reason: 'the target did not answer the mutual CHAP challenge' };
      const answer = decodeBinaryValue(ChapKey.response, response);
      const expected = chapResponse(this.asked.identifier, mutual.secret, this.asked.challenge);
      this.asked = null;
      if (name !== mutual.name) return { kind: 'refuse', reason: `the target answered as ${name.slice(0, 64)}, not ${mutual.name}` };
      if (answer.length !== expected.length || !timingSafeEqual(answer, expected)) return { kind: 'refuse', reason: 'the target\'s CHAP_R is wrong' };
    }
    return { kind: 'done' };
  }
}
