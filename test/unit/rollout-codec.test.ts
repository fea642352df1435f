// The rollout protocol's codecs against known bytes: every vector below was assembled by hand from the README's
// byte tables ("The rollout protocol"), with Python's struct, not with the code under test. Each must encode to
// exactly those bytes and decode back to the value; malformed input must fail with its stable DecodeError code.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { ALL_RMCS, MessageType, messageLengthAt } from '../../protocols/rollout/header.js';
import { decodeMessage, encodeMessage, encodingLength, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import { RolloutStreamReader } from '../../protocols/rollout/stream.js';
import { MAX_CHUNK_LENGTH } from '../../protocols/rollout/transfer.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';

const NEW_YEAR_2026 = 1_767_225_600_000;
const nonce = Uint8Array.from({ length: 16 }, (_, i) => i);
const digest = new Uint8Array(32).fill(0xaa);
const prepareBody = {
  nonce, imageSize: 0x200000, imageSha256: digest, manufacturerId: 32473, productId: 0x0b0f, flashTimeMs: NEW_YEAR_2026,
  reply: { scheme: ReplyScheme.WINDOW, windowUs: 500_000 } as const,
  targets: [{ firstRmcId: 1, count: 40 }, { firstRmcId: 100, count: 10 }],
};

const VECTORS: { name: string; hex: string; message: RolloutMessage }[] = [
  {
    name: 'Prepare (window 500 ms, two target ranges)',
    hex: '0101006800000007ffffffff00000001000102030405060708090a0b0c0d0e0f00200000' + 'aa'.repeat(32) +
      '00007ed90b0f' + '0000019b76daa800020007a120020000000100000028000000640000000a',
    message: { type: MessageType.PREPARE, rolloutId: 7, rmcId: ALL_RMCS, sequence: 1, body: prepareBody },
  },
  {
    name: 'Poll (attempt 3, octet sum, one range)',
    hex: '0103006100000007000000050000000903000102030405060708090a0b0c0d0e0f00200000' + 'aa'.repeat(32) +
      '00007ed90b0f' + '0000019b76daa8000100000000010000000500000001',
    message: {
      type: MessageType.POLL, rolloutId: 7, rmcId: 5, sequence: 9,
      body: { attempt: 3, ...prepareBody, reply: { scheme: ReplyScheme.OCTET_SUM }, targets: [{ firstRmcId: 5, count: 1 }] },
    },
  },
  {
    name: 'Prepare Reply',
    hex: '01020028000000070000000500000001007f020001002800007ed90b0f000004d2067261636b2d61',
    message: {
      type: MessageType.PREPARE_REPLY, rolloutId: 7, rmcId: 5, sequence: 1,
      body: { readiness: Readiness.READY, address: '127.2.0.1', bmcCount: 40, manufacturerId: 32473, productId: 0x0b0f, replyDelayUs: 1234, rackName: 'rack-a' },
    },
  },
  {
    name: 'Image Chunk (4 bytes at 4096, CRC-32 of "HPM1")',
    hex: '0105001e0000000700000005000000030000100000040751b00c48504d31',
    message: { type: MessageType.IMAGE_CHUNK, rolloutId: 7, rmcId: 5, sequence: 3, body: { offset: 4096, data: Buffer.from('HPM1') } },
  },
  {
    name: 'Transfer Ack',
    hex: '01060016000000070000000500000004000020000010',
    message: { type: MessageType.TRANSFER_ACK, rolloutId: 7, rmcId: 5, sequence: 4, body: { nextOffset: 8192, window: 16 } },
  },
  {
    name: 'Verify Result (HPM.1 header checksum)',
    hex: '01070031000000070000000500000005' + '04' + '11'.repeat(32),
    message: {
      type: MessageType.VERIFY_RESULT, rolloutId: 7, rmcId: 5, sequence: 5,
      body: { result: VerifyOutcome.HPM1_HEADER_CHECKSUM, imageSha256: new Uint8Array(32).fill(0x11) },
    },
  },
  {
    name: 'Flash',
    hex: '0108001e00000007000000050000000a0000019b76daa8000008000927c0',
    message: { type: MessageType.FLASH, rolloutId: 7, rmcId: 5, sequence: 10, body: { flashTimeMs: NEW_YEAR_2026, concurrency: 8, bmcTimeoutMs: 600_000 } },
  },
  {
    name: 'Rack Report (flashed, skipped, failed: timed out)',
    hex: '010a00340000000700000005000000060700030001000100010000037f010001020001027f010002030001027f01000304040100',
    message: {
      type: MessageType.RACK_REPORT, rolloutId: 7, rmcId: 5, sequence: 6,
      body: {
        phase: RackPhase.DONE, bmcCount: 3, flashed: 1, skipped: 1, failed: 1, firstIndex: 0, entries: [
          { address: '127.1.0.1', outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { major: 1, minor: 2 } },
          { address: '127.1.0.2', outcome: BmcOutcome.SKIPPED, reason: FailureReason.NONE, firmware: { major: 1, minor: 2 } },
          { address: '127.1.0.3', outcome: BmcOutcome.FAILED, reason: FailureReason.TIMED_OUT, firmware: { major: 1, minor: 0 } },
        ],
      },
    },
  },
  {
    name: 'Abort (every RMC)',
    hex: '010d001000000007ffffffff0000000b',
    message: { type: MessageType.ABORT, rolloutId: 7, rmcId: ALL_RMCS, sequence: 11, body: {} },
  },
  {
    name: 'Prepare Reply (wrong product: the rack\'s BMCs are manufacturer 343, product 2)',
    hex: '01020028000000070000000600000001037f020002001000000157000200000000067261636b2d62',
    message: {
      type: MessageType.PREPARE_REPLY, rolloutId: 7, rmcId: 6, sequence: 1,
      body: { readiness: Readiness.WRONG_PRODUCT, address: '127.2.0.2', bmcCount: 16, manufacturerId: 343, productId: 2, replyDelayUs: 0, rackName: 'rack-b' },
    },
  },
];

/** Bytes compared as hex, so a mismatch shows where. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array || x?.type === 'Buffer' ? Buffer.from(x.data ?? x).toString('hex') : x)));

function decodeError(hex: string): DecodeError {
  try {
    decodeMessage(Buffer.from(hex, 'hex'));
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error(`${hex} decoded`);
}

t.test('every vector encodes to the README\'s bytes and decodes back', (t) => {
  for (const v of VECTORS) {
    const bytes = encodeMessage(v.message);
    t.equal(bytes.toString('hex'), v.hex, `${v.name}: encoded`);
    t.equal(encodingLength(v.message), v.hex.length / 2, `${v.name}: encodingLength`);
    t.same(plain(decodeMessage(Buffer.from(v.hex, 'hex'))), plain({ ...v.message, auth: null }), `${v.name}: decoded`);
  }
  t.end();
});

t.test('Pause and Resume are header-only; a Progress may be in any phase', (t) => {
  for (const type of [MessageType.PAUSE, MessageType.RESUME]) {
    const m = decodeMessage(encodeMessage({ type, rolloutId: 1, rmcId: 2, sequence: 3, body: {} }));
    t.match(m, { type, rolloutId: 1, rmcId: 2, sequence: 3, body: {}, auth: null });
  }
  const progress = { phase: RackPhase.FLASHING, bmcCount: 40, flashed: 3, skipped: 0, failed: 0, firstIndex: 38, entries: [] };
  t.same(decodeMessage(encodeMessage({ type: MessageType.PROGRESS, rolloutId: 1, rmcId: 2, sequence: 4, body: progress })).body, progress);
  t.end();
});

t.test('malformed messages fail with a stable code, the field and its offset', (t) => {
  const [prepare, , reply, chunk, , verify, flash, report] = VECTORS.map((v) => v.hex);
  const cases: [string, string, string, number][] = [
    ['', 'ERR_TRUNCATED', 'version', 0],
    ['02' + prepare.slice(2), 'ERR_VERSION', 'version', 0],
    ['010e' + prepare.slice(4), 'ERR_TYPE', 'type', 1],
    [prepare + '00', 'ERR_LENGTH', 'length', 2],
    [prepare.slice(0, -2), 'ERR_LENGTH', 'length', 2],
    ['0101000f' + prepare.slice(8, 30), 'ERR_LENGTH', 'length', 2],
    ['0181001000000007ffffffff00000001', 'ERR_LENGTH', 'length', 2], // SIGNED, but no room for the trailer
    [prepare.slice(0, 4) + '0067' + prepare.slice(8, -2), 'ERR_TRUNCATED', 'count', 100],
    [reply.slice(0, 4) + '0029' + reply.slice(8) + '00', 'ERR_TRAILING', 'body', 40],
    [reply.slice(0, 32) + '04' + reply.slice(34), 'ERR_ENUM', 'readiness', 16],
    [reply.slice(0, 46) + '00100000' + reply.slice(54), 'ERR_RANGE', 'manufacturerId', 23],
    [reply.slice(0, -12) + 'ff' + reply.slice(-10), 'ERR_UTF8', 'rackName', 34],
    [chunk.slice(0, -2) + '32', 'ERR_CRC', 'crc32', 22],
    [verify.slice(0, 32) + '07' + verify.slice(34), 'ERR_ENUM', 'result', 16],
    [flash.slice(0, 48) + '0000' + flash.slice(52), 'ERR_RANGE', 'concurrency', 24],
    [flash.slice(0, 32) + '00200000' + flash.slice(40), 'ERR_RANGE', 'flashTimeMs', 16],
    [report.slice(0, 32) + '05' + report.slice(34), 'ERR_PHASE', 'phase', 16],
    [report.slice(0, 38) + '0002' + report.slice(42), 'ERR_COUNTS', 'counts', 16],
    [report.slice(0, 96) + '00' + report.slice(98), 'ERR_REASON', 'reason', 16],
  ];
  for (const [hex, code, field, offset] of cases) {
    const e = decodeError(hex);
    t.match(e, { protocol: 'bmcfleet-rollout', code, field, offset }, `${code} ${field}: ${e.message}`);
  }
  t.end();
});

t.test('the Prepare\'s reply scheme and target ranges are checked both ways', (t) => {
  const prepare = VECTORS[0].hex;
  // manufacturer ID at 16 + 52; scheme byte at 16 + 66, parameter after it; range count at 16 + 71
  const at = (byte: number) => 2 * (16 + byte);
  const withBytes = (byte: number, hex: string) => prepare.slice(0, at(byte)) + hex + prepare.slice(at(byte) + hex.length);
  t.match(decodeError(withBytes(52, '00100000')), { code: 'ERR_RANGE', field: 'manufacturerId', offset: 68 }, 'a manufacturer ID over 20 bits');
  t.match(decodeError(withBytes(66, '04')), { code: 'ERR_ENUM', field: 'replyScheme', offset: 82 });
  t.match(decodeError(withBytes(66, '0000000001')), { code: 'ERR_RESERVED', field: 'schemeParameterUs', offset: 83 });
  t.match(decodeError(withBytes(66, '0200000000')), { code: 'ERR_RANGE', field: 'schemeParameterUs', offset: 83 });
  t.match(decodeError(withBytes(76, '00000000')), { code: 'ERR_RANGE', field: 'ranges' }, 'an empty range');
  t.match(decodeError(withBytes(72, 'ffffffff')), { code: 'ERR_RANGE', field: 'ranges' }, 'a range past the last ID');
  const none = prepare.slice(0, at(71)) + '00';
  t.match(decodeError(none.slice(0, 4) + (none.length / 2).toString(16).padStart(4, '0') + none.slice(8)), { code: 'ERR_RANGE', field: 'ranges' }, 'no range');

  const message = VECTORS[0].message;
  const encode = (body: object) => () => encodeMessage({ ...message, body: { ...prepareBody, ...body } } as RolloutMessage);
  t.throws(encode({ targets: [] }), RangeError);
  t.throws(encode({ targets: Array.from({ length: 65 }, (_, i) => ({ firstRmcId: i, count: 1 })) }), RangeError);
  t.throws(encode({ reply: { scheme: ReplyScheme.WINDOW, windowUs: 0 } }), RangeError);
  t.throws(encode({ nonce: new Uint8Array(15) }), RangeError);
  t.throws(encode({ flashTimeMs: 2 ** 53 }), RangeError);
  t.throws(encode({ manufacturerId: 0x10_0000 }), /manufacturerId/);
  t.throws(encode({ productId: 0x1_0000 }), /productId/);
  t.end();
});

t.test('encoders refuse what decoders would reject', (t) => {
  const env = { rolloutId: 1, rmcId: 2, sequence: 3 };
  const status = { phase: RackPhase.FLASHING, bmcCount: 2, flashed: 0, skipped: 0, failed: 0, firstIndex: 0, entries: [] };
  t.throws(() => encodeMessage({ ...env, type: MessageType.RACK_REPORT, body: status }), /phase/);
  t.throws(() => encodeMessage({ ...env, type: MessageType.PROGRESS, body: { ...status, flashed: 3 } }), /counts/);
  t.throws(() => encodeMessage({
    ...env, type: MessageType.PROGRESS,
    body: { ...status, entries: [{ address: '127.0.0.1', outcome: BmcOutcome.FLASHED, reason: FailureReason.ABORTED, firmware: { major: 1, minor: 0 } }] },
  }), /reason/);
  t.throws(() => encodeMessage({ ...env, type: MessageType.IMAGE_CHUNK, body: { offset: 0, data: new Uint8Array(0) } }), RangeError);
  t.throws(() => encodeMessage({ ...env, type: MessageType.IMAGE_CHUNK, body: { offset: 0, data: new Uint8Array(MAX_CHUNK_LENGTH + 1) } }), RangeError);
  t.throws(() => encodeMessage({ ...env, type: MessageType.FLASH, body: { flashTimeMs: 0, concurrency: 0, bmcTimeoutMs: 0 } }), RangeError);
  t.throws(() => encodeMessage({
    ...env, type: MessageType.PREPARE_REPLY, body: { readiness: Readiness.READY, address: '127.0.0.256', bmcCount: 1, manufacturerId: 1, productId: 1, replyDelayUs: 0, rackName: 'r' },
  }), /address/);
  t.throws(() => encodeMessage({
    ...env, type: MessageType.PREPARE_REPLY, body: { readiness: Readiness.READY, address: '127.0.0.1', bmcCount: 1, manufacturerId: 1, productId: 1, replyDelayUs: 0, rackName: 'r'.repeat(65) },
  }), /rackName/);
  t.throws(() => encodeMessage({
    ...env, type: MessageType.PREPARE_REPLY,
    body: { readiness: Readiness.WRONG_PRODUCT, address: '127.0.0.1', bmcCount: 1, manufacturerId: 0x10_0000, productId: 1, replyDelayUs: 0, rackName: 'r' },
  }), /manufacturerId/);
  t.throws(() => encodeMessage({ ...env, sequence: 2 ** 32, type: MessageType.PAUSE, body: {} }), /sequence/);
  t.end();
});

t.test('the biggest chunk fits in one message and over a TCP stream cut anywhere', (t) => {
  const data = Buffer.alloc(MAX_CHUNK_LENGTH, 0x5a);
  const messages = [
    encodeMessage({ type: MessageType.IMAGE_CHUNK, rolloutId: 7, rmcId: 5, sequence: 1, body: { offset: 0, data } }),
    Buffer.from(VECTORS[4].hex, 'hex'),
    encodeMessage({ type: MessageType.IMAGE_CHUNK, rolloutId: 7, rmcId: 5, sequence: 2, body: { offset: MAX_CHUNK_LENGTH, data: data.subarray(0, 100) } }),
  ];
  const stream = Buffer.concat(messages);
  t.equal(messageLengthAt(stream), MAX_CHUNK_LENGTH + 26);
  t.equal(messageLengthAt(stream.subarray(0, 3)), null, 'not yet 4 bytes');
  for (const cuts of [[stream.length], [1, 2, 3, 4, 5, 16, 32_000, 32_794, 32_800], Array.from({ length: 400 }, (_, i) => (i + 1) * 83)]) {
    const reader = new RolloutStreamReader();
    const out: Buffer[] = [];
    let from = 0;
    for (const to of [...cuts, stream.length]) {
      out.push(...reader.push(stream.subarray(from, Math.min(to, stream.length))));
      from = Math.min(to, stream.length);
    }
    t.same(out.map((b) => b.toString('hex')), messages.map((b) => b.toString('hex')), `cut at ${cuts.length} places`);
    t.equal(reader.buffered, 0);
  }
  t.match(decodeMessage(new RolloutStreamReader().push(messages[2])[0]).body, { offset: MAX_CHUNK_LENGTH });
  t.throws(() => new RolloutStreamReader().push(Buffer.from('02010010', 'hex')), { code: 'ERR_VERSION' }, 'a stream that cannot be resynchronised');
  t.end();
});
