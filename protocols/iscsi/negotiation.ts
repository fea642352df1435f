// Operational keys — RFC 7143 §6.2 (how a key is negotiated) and §13 (each key: its kind, range and default).
// The initiator offers, the target answers, once per key; both then hold the same SessionParameters.
//   list (§6.2.1): the responder picks the first value of the offer it supports (HeaderDigest, DataDigest);
//   numerical (§6.2.2): min or max of offer and responder's value; Boolean: AND or OR of both;
//   declarative (§6.2): each side states its own (MaxRecvDataSegmentLength, §13.12).
// A key nobody defines is answered NotUnderstood (§6.2); a value out of its range is answered Reject (§6.2.2).
// Digests: None only (no CRC32C here), so an initiator that insists on CRC32C gets Reject.
import { DecodeError } from '../errors.js';
import { IscsiError, PROTO } from './bhs.js';
import type { TextPairs } from './text.js';

export interface SessionParameters {
  maxConnections: number;
  initialR2T: boolean;
  immediateData: boolean;
  /** The initiator's declared MaxRecvDataSegmentLength: the longest data segment the target may send it. */
  initiatorMaxRecvDataSegmentLength: number;
  /** The target's declared MaxRecvDataSegmentLength: the longest data segment the initiator may send it. */
  targetMaxRecvDataSegmentLength: number;
  maxBurstLength: number;
  firstBurstLength: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  maxOutstandingR2T: number;
  dataPduInOrder: boolean;
  dataSequenceInOrder: boolean;
  errorRecoveryLevel: number;
}

/** Every key's default (§13), what holds when a key is not negotiated. */
export const DEFAULT_PARAMETERS: Readonly<SessionParameters> = {
  maxConnections: 1,
  initialR2T: true,
  immediateData: true,
  initiatorMaxRecvDataSegmentLength: 8192,
  targetMaxRecvDataSegmentLength: 8192,
  maxBurstLength: 262144,
  firstBurstLength: 65536,
  defaultTime2Wait: 2,
  defaultTime2Retain: 20,
  maxOutstandingR2T: 1,
  dataPduInOrder: true,
  dataSequenceInOrder: true,
  errorRecoveryLevel: 0,
};

type NumericField = Exclude<{ [K in keyof SessionParameters]: SessionParameters[K] extends number ? K : never }[keyof SessionParameters],
  'initiatorMaxRecvDataSegmentLength' | 'targetMaxRecvDataSegmentLength'>;
type BooleanField = { [K in keyof SessionParameters]: SessionParameters[K] extends boolean ? K : never }[keyof SessionParameters];

type Rule =
  | { kind: 'digest' }
  | { kind: 'min' | 'max'; field: NumericField; low: number; high: number }
  | { kind: 'and' | 'or'; field: BooleanField }
  /** Markers (§13.25 of RFC 3720, obsoleted by RFC 7143): still offered by old initiators; No AND anything is No. */
  | { kind: 'marker' }
  | { kind: 'declared-length' };

/** The operational keys and their rules (§13.1-§13.19). */
const RULES: Record<string, Rule> = {
  HeaderDigest: { kind: 'digest' }, // §13.1
  DataDigest: { kind: 'digest' }, // §13.1
  MaxConnections: { kind: 'min', field: 'maxConnections', low: 1, high: 65535 }, // §13.2
  InitialR2T: { kind: 'or', field: 'initialR2T' }, // §13.10
  ImmediateData: { kind: 'and', field: 'immediateData' }, // §13.11
  MaxRecvDataSegmentLength: { kind: 'declared-length' }, // §13.12
  MaxBurstLength: { kind: 'min', field: 'maxBurstLength', low: 512, high: 16777215 }, // §13.13
  FirstBurstLength: { kind: 'min', field: 'firstBurstLength', low: 512, high: 16777215 }, // §13.14
  DefaultTime2Wait: { kind: 'max', field: 'defaultTime2Wait', low: 0, high: 3600 }, // §13.15
  DefaultTime2Retain: { kind: 'min', field: 'defaultTime2Retain', low: 0, high: 3600 }, // §13.16
  MaxOutstandingR2T: { kind: 'min', field: 'maxOutstandingR2T', low: 1, high: 65535 }, // §13.17
  DataPDUInOrder: { kind: 'and', field: 'dataPduInOrder' }, // §13.18
  DataSequenceInOrder: { kind: 'and', field: 'dataSequenceInOrder' }, // §13.19
  ErrorRecoveryLevel: { kind: 'min', field: 'errorRecoveryLevel', low: 0, high: 2 }, // §13.20
  IFMarker: { kind: 'marker' },
  OFMarker: { kind: 'marker' },
};

/** MaxRecvDataSegmentLength's range (§13.12). */
const DATA_SEGMENT_LOW = 512;
const DATA_SEGMENT_HIGH = 16777215;

/** The values §6.2 gives special meaning in an answer. */
export const Answer = { reject: 'Reject', notUnderstood: 'NotUnderstood', irrelevant: 'Irrelevant' } as const;

/** Whether `key` is an operational key this side negotiates. */
export function isOperationalKey(key: string): boolean {
  return key in RULES;
}

/** A numerical value (§5.1 of the text format: decimal, or 0x hex), or null when it is none or out of range. */
function numeric(value: string, low: number, high: number): number | null {
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value.slice(2), 16) : /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= low && n <= high ? n : null;
}

function yesNo(value: string): boolean | null {
  return value === 'Yes' ? true : value === 'No' ? false : null;
}

const word = (b: boolean) => (b ? 'Yes' : 'No');

export interface TargetAnswers {
  answers: TextPairs;
  params: SessionParameters;
}

/**
 * The target's answers to the initiator's operational keys, and the parameters that result. `ours` holds what
 * the target would choose for each key (its limits and preferences); a key it is not offered keeps `params`.
 * Keys that are not operational are left to the caller (login identity keys, SendTargets...).
 */
export function answerOffers(offers: TextPairs, ours: SessionParameters, params: SessionParameters): TargetAnswers {
  const answers: TextPairs = [];
  const next = { ...params };
  for (const [key, value] of offers) {
    const rule = RULES[key];
    if (rule === undefined) continue;
    switch (rule.kind) {
      case 'digest':
        answers.push([key, value.split(',').includes('None') ? 'None' : Answer.reject]);
        break;
      case 'marker':
        answers.push([key, yesNo(value) === null ? Answer.reject : 'No']);
        break;
      case 'declared-length': {
        const n = numeric(value, DATA_SEGMENT_LOW, DATA_SEGMENT_HIGH);
        if (n === null) answers.push([key, Answer.reject]);
        else next.initiatorMaxRecvDataSegmentLength = n; // a declaration: the target states its own instead (declarations())
        break;
      }
      case 'and':
      case 'or': {
        const offered = yesNo(value);
        if (offered === null) { answers.push([key, Answer.reject]); break; }
        const result = rule.kind === 'and' ? offered && ours[rule.field] : offered || ours[rule.field];
        next[rule.field] = result;
        answers.push([key, word(result)]);
        break;
      }
      default: {
        const offered = numeric(value, rule.low, rule.high);
        if (offered === null) { answers.push([key, Answer.reject]); break; }
        const result = rule.kind === 'min' ? Math.min(offered, ours[rule.field]) : Math.max(offered, ours[rule.field]);
        next[rule.field] = result;
        answers.push([key, String(result)]);
      }
    }
  }
  // FirstBurstLength never exceeds MaxBurstLength (§13.14)
  next.firstBurstLength = Math.min(next.firstBurstLength, next.maxBurstLength);
  return { answers, params: next };
}

/** What the target declares of itself in the operational stage (§13.12). */
export function targetDeclarations(ours: SessionParameters): TextPairs {
  return [['MaxRecvDataSegmentLength', String(ours.targetMaxRecvDataSegmentLength)]];
}

/** The keys an initiator offers in the operational stage, from what it wants. */
export function initiatorOffers(wanted: SessionParameters): TextPairs {
  return [
    ['HeaderDigest', 'None'],
    ['DataDigest', 'None'],
    ['MaxConnections', String(wanted.maxConnections)],
    ['InitialR2T', word(wanted.initialR2T)],
    ['ImmediateData', word(wanted.immediateData)],
    ['MaxRecvDataSegmentLength', String(wanted.initiatorMaxRecvDataSegmentLength)],
    ['MaxBurstLength', String(wanted.maxBurstLength)],
    ['FirstBurstLength', String(wanted.firstBurstLength)],
    ['DefaultTime2Wait', String(wanted.defaultTime2Wait)],
    ['DefaultTime2Retain', String(wanted.defaultTime2Retain)],
    ['MaxOutstandingR2T', String(wanted.maxOutstandingR2T)],
    ['DataPDUInOrder', word(wanted.dataPduInOrder)],
    ['DataSequenceInOrder', word(wanted.dataSequenceInOrder)],
    ['ErrorRecoveryLevel', String(wanted.errorRecoveryLevel)],
  ];
}

function badAnswer(key: string, value: string, reason: string): DecodeError {
  return new DecodeError(PROTO, `key ${key}`, 0, `answer "${value.slice(0, 64)}" ${reason}`, IscsiError.text);
}

/**
 * The parameters an initiator holds after the target's answers to `offered` (and its declarations). An answer the
 * offer does not allow (a digest it did not offer, a number past the min/max rule) is a DecodeError; Reject,
 * NotUnderstood and Irrelevant leave the key's default.
 */
export function applyAnswers(answers: TextPairs, offered: SessionParameters, params: SessionParameters): SessionParameters {
  // the initiator's own declaration holds whatever the target answers
  const next = { ...params, initiatorMaxRecvDataSegmentLength: offered.initiatorMaxRecvDataSegmentLength };
  for (const [key, value] of answers) {
    const rule = RULES[key];
    if (rule === undefined) continue;
    if (value === Answer.reject || value === Answer.notUnderstood || value === Answer.irrelevant) continue;
    switch (rule.kind) {
      case 'digest':
        if (value !== 'None') throw badAnswer(key, value, 'is not the None this initiator offered');
        break;
      case 'marker':
        break;
      case 'declared-length': {
        const n = numeric(value, DATA_SEGMENT_LOW, DATA_SEGMENT_HIGH);
        if (n === null) throw badAnswer(key, value, `is not ${DATA_SEGMENT_LOW}-${DATA_SEGMENT_HIGH}`);
        next.targetMaxRecvDataSegmentLength = n;
        break;
      }
      case 'and':
      case 'or': {
        const answered = yesNo(value);
        if (answered === null) throw badAnswer(key, value, 'is not Yes or No');
        // AND can only lower a Yes, OR only raise a No
        if (rule.kind === 'and' && answered && !offered[rule.field]) throw badAnswer(key, value, 'turns the offered No into Yes (AND)');
        if (rule.kind === 'or' && !answered && offered[rule.field]) throw badAnswer(key, value, 'turns the offered Yes into No (OR)');
        next[rule.field] = answered;
        break;
      }
      default: {
        const n = numeric(value, rule.low, rule.high);
        if (n === null) throw badAnswer(key, value, `is not ${rule.low}-${rule.high}`);
        if (rule.kind === 'min' ? n > offered[rule.field] : n < offered[rule.field]) {
          throw badAnswer(key, value, `is ${rule.kind === 'min' ? 'above' : 'below'} the offered ${offered[rule.field]}`);
        }
        next[rule.field] = n;
      }
    }
  }
  next.firstBurstLength = Math.min(next.firstBurstLength, next.maxBurstLength);
  return next;
}
