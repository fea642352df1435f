// Fuzzes the SLPv2 codec (protocols/slp) with random buffers and mutations of one message of each function
// (RFC 2608 §8, §10): decodeMessage, the attribute list and predicate parsers, and the agent and Directory Agent
// answering whatever decodes. Every call must return or throw a DecodeError with sane fields; decoded messages
// must re-encode and decode again equal; an answer must itself decode. Seed: FUZZ_SEED; inputs: FUZZ_ITERATIONS.
import t from 'tap';
import { answerRequest, type AdvertisedService } from '../../protocols/slp/agent.js';
import { parseAttributeList } from '../../protocols/slp/attributes.js';
import { DirectoryState } from '../../protocols/slp/directory.js';
import { Flag, FunctionId } from '../../protocols/slp/header.js';
import { decodeMessage, encodeMessage, type SlpMessage } from '../../protocols/slp/message.js';
import { matchesPredicate, parsePredicate } from '../../protocols/slp/predicate.js';
import { FailureLog, Rng, fuzzDecoder, fuzzIterations, fuzzSeed, hex, sameValue, seedHex, valueProblem } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(20_000);

const URL = 'service:iscsi:sms://127.0.0.1:3205';
const ISNS_ATTRS = '(description=iSNS Server),(protocols=isns)';
const MESSAGES: SlpMessage[] = [
  { flags: Flag.REQUEST_MCAST, xid: 1, langTag: 'en', body: { functionId: FunctionId.SRV_RQST, previousResponders: ['127.0.0.9'], serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], predicate: '(&(protocols=isns)(!(x=*y*)))', spi: '' } },
  { flags: 0, xid: 1, langTag: 'en', body: { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [{ lifetime: 10800, url: URL, auths: [Buffer.from('0002000e00000001000261620000', 'hex')] }] } },
  { flags: Flag.FRESH, xid: 2, langTag: 'en', body: { functionId: FunctionId.SRV_REG, url: { lifetime: 10800, url: URL, auths: [] }, serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], attributes: ISNS_ATTRS, attrAuths: [] } },
  { flags: 0, xid: 3, langTag: 'en', body: { functionId: FunctionId.SRV_DEREG, scopes: ['DEFAULT'], url: { lifetime: 0, url: URL, auths: [] }, tags: ['protocols'] } },
  { flags: 0, xid: 2, langTag: 'en', body: { functionId: FunctionId.SRV_ACK, errorCode: 0 } },
  { flags: 0, xid: 4, langTag: 'en', body: { functionId: FunctionId.ATTR_RQST, previousResponders: [], url: URL, scopes: ['DEFAULT'], tags: [], spi: '' } },
  { flags: 0, xid: 4, langTag: 'en', body: { functionId: FunctionId.ATTR_RPLY, errorCode: 0, attributes: ISNS_ATTRS, attrAuths: [] } },
  { flags: 0, xid: 0, langTag: 'en', body: { functionId: FunctionId.DA_ADVERT, errorCode: 0, bootTimestamp: 1_700_000_000, url: 'service:directory-agent://127.0.0.1', scopes: ['DEFAULT'], attributes: '', spis: [], auths: [] } },
  { flags: 0, xid: 5, langTag: 'en', body: { functionId: FunctionId.SRV_TYPE_RQST, previousResponders: [], namingAuthority: null, scopes: ['DEFAULT'] } },
  { flags: 0, xid: 5, langTag: 'en', body: { functionId: FunctionId.SRV_TYPE_RPLY, errorCode: 0, serviceTypes: ['service:iscsi:sms'] } },
  { flags: 0, xid: 6, langTag: 'en', body: { functionId: FunctionId.SA_ADVERT, url: 'service:service-agent://127.0.0.1', scopes: ['DEFAULT'], attributes: '', auths: [] } },
];
const seeds = MESSAGES.map(encodeMessage);
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** Sets Length to the datagram's length, so mutated messages get past the header more often. */
function fixLength(b: Buffer): Buffer {
  if (b.length < 5 || b.length > 0xffffff) return b;
  const out = Buffer.from(b);
  out.writeUIntBE(out.length, 2, 3);
  return out;
}

const SERVICE: AdvertisedService = { url: URL, lifetime: 10800, serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], langTag: 'en', attributes: parseAttributeList(ISNS_ATTRS) };

t.test(`SLP decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const da = new DirectoryState({ url: 'service:directory-agent://127.0.0.1', scopes: ['DEFAULT'], bootTimestamp: 1, maxRegistrations: 64 });
  const answered = { replies: 0, silent: 0 };
  const targets = [
    {
      name: 'decodeMessage', seeds, fixup: fixLength,
      decode: (b: Uint8Array) => {
        const m = decodeMessage(b);
        // whatever decodes is answered by an SA and a DA, and what they answer decodes
        for (const multicast of [false, true]) {
          for (const a of [answerRequest(m, [SERVICE], { multicast, ownAddresses: ['127.0.0.1'], scopes: ['DEFAULT'], agentUrl: 'service:service-agent://127.0.0.1' }),
            da.handle(m, 0, { multicast, ownAddresses: ['127.0.0.1'] })]) {
            if ('reply' in a) { decodeMessage(a.reply); answered.replies++; } else answered.silent++;
          }
        }
        return m;
      },
      reencode: (m: SlpMessage) => encodeMessage(m),
    },
    {
      name: 'parsePredicate', seeds: MESSAGES.flatMap((m) => 'predicate' in m.body ? [Buffer.from(m.body.predicate)] : []),
      decode: (b: Uint8Array) => {
        const p = parsePredicate(text(b));
        matchesPredicate(p, new Map([['protocols', ['isns']], ['x', ['1', 'y']]]));
        return p;
      },
    },
    { name: 'parseAttributeList', seeds: [Buffer.from(ISNS_ATTRS), Buffer.from('(a=1,2\\2c),kw,(b=)')], decode: (b: Uint8Array) => parseAttributeList(text(b)) },
  ];
  const rows: string[] = [];
  for (const tg of targets) {
    const s = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET, corpus: seeds, check: (v) => valueProblem(v), same: sameValue, errorKind: (e) => e.code,
    });
    rows.push(`  ${tg.name.padEnd(20)} returned ${String(s.returned).padStart(6)}  re-encoded ${String(s.reencoded).padStart(6)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(6)} (${s.decodeErrors.keys().sort().join(' ')})`);
  }
  t.comment(`${targets.length * PER_TARGET} decoder calls, seed ${seedHex(SEED)}; answers ${answered.replies}, silences ${answered.silent}\n${rows.join('\n')}`);
  t.ok(answered.replies > 0, 'some fuzzed requests were answered');
  log.report(t, 'SLP decoders');
  t.end();
});

t.test('every seed message round-trips byte for byte', async (t) => {
  for (const b of seeds) t.equal(hex(encodeMessage(decodeMessage(b))), hex(b));
});
