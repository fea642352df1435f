// The Wireshark dissector that ships with the rollout protocol (protocols/rollout/wireshark/bmcfleet-rollout.lua),
// run by the real tshark over a capture of every message type: sent over UDP on loopback (unsigned, and signed as
// the manager sends its commands) and over TCP (an image transfer cut into uneven segments). Every well-formed
// message must dissect with our values and with nothing malformed; every malformed one sent from a second socket
// must be flagged as an expert error, so the check can fail.
import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signMessage } from '../../protocols/rollout/auth.js';
import { ALL_RMCS, COMMAND_TYPES, MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey } from '../../protocols/rollout/keys.js';
import { signManifest } from '../../protocols/rollout/manifest.js';
import { encodeMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DISSECTOR = join(ROOT, 'protocols', 'rollout', 'wireshark', 'bmcfleet-rollout.lua');
const HOST = '127.46.23.1';
const NEW_YEAR_2026 = 1_767_225_600_000;

const key = generateManagerKey().signing;
const image = Buffer.alloc(40_000, 0x3c);
const digest = createHash('sha256').update(image).digest();
const manifest = signManifest({
  imageSize: image.length, imageSha256: digest, manufacturerId: 32473, productId: 0x0b0f, deviceId: 0x20,
  firmware: { major: 1, minor: 2, aux: 7 }, createdAtMs: NEW_YEAR_2026, name: 'bmc-1.02.hpm',
}, key);
const prepare = {
  nonce: new Uint8Array(16).fill(0x11), imageSize: image.length, imageSha256: digest, manufacturerId: 32473, productId: 0x0b0f, flashTimeMs: NEW_YEAR_2026,
  reply: { scheme: ReplyScheme.WINDOW, windowUs: 500_000 } as const, targets: [{ firstRmcId: 1, count: 40 }, { firstRmcId: 100, count: 10 }],
};
const env = { rolloutId: 7, rmcId: 5 };
const entries = [
  { address: '127.1.0.1', outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { major: 1, minor: 2 } },
  { address: '127.1.0.2', outcome: BmcOutcome.SKIPPED, reason: FailureReason.NONE, firmware: { major: 1, minor: 2 } },
  { address: '127.1.0.3', outcome: BmcOutcome.FAILED, reason: FailureReason.TIMED_OUT, firmware: { major: 1, minor: 0 } },
];
const MESSAGES: RolloutMessage[] = [
  { ...env, rmcId: ALL_RMCS, sequence: 1, type: MessageType.PREPARE, body: prepare },
  { ...env, sequence: 1, type: MessageType.PREPARE_REPLY, body: { readiness: Readiness.READY, address: '127.2.0.5', bmcCount: 40, manufacturerId: 32473, productId: 0x0b0f, replyDelayUs: 123_456, rackName: 'rack-a' } },
  { ...env, sequence: 2, type: MessageType.POLL, body: { attempt: 2, ...prepare, reply: { scheme: ReplyScheme.OCTET_SUM } } },
  { ...env, sequence: 3, type: MessageType.IMAGE_OFFER, body: { attempt: 1, chunkSize: 1400, manifest } },
  { ...env, sequence: 4, type: MessageType.IMAGE_CHUNK, body: { offset: 1400, data: image.subarray(1400, 2800) } },
  { ...env, sequence: 2, type: MessageType.TRANSFER_ACK, body: { nextOffset: 2800, window: 16 } },
  { ...env, sequence: 3, type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.HPM1_HEADER_CHECKSUM, imageSha256: digest } },
  { ...env, sequence: 5, type: MessageType.FLASH, body: { flashTimeMs: NEW_YEAR_2026 + 60_000, concurrency: 8, bmcTimeoutMs: 600_000 } },
  { ...env, sequence: 4, type: MessageType.PROGRESS, body: { phase: RackPhase.FLASHING, bmcCount: 40, flashed: 1, skipped: 1, failed: 1, firstIndex: 0, entries } },
  { ...env, sequence: 5, type: MessageType.RACK_REPORT, body: { phase: RackPhase.DONE, bmcCount: 3, flashed: 1, skipped: 1, failed: 1, firstIndex: 0, entries } },
  { ...env, rmcId: ALL_RMCS, sequence: 6, type: MessageType.PAUSE, body: {} },
  { ...env, rmcId: ALL_RMCS, sequence: 7, type: MessageType.RESUME, body: {} },
  { ...env, sequence: 8, type: MessageType.ABORT, body: {} },
  {
    ...env, rmcId: 6, sequence: 1, type: MessageType.PREPARE_REPLY,
    body: { readiness: Readiness.WRONG_PRODUCT, address: '127.2.0.6', bmcCount: 16, manufacturerId: 343, productId: 2, replyDelayUs: 0, rackName: 'rack-b' },
  },
];
/** Every message unsigned, then every command signed with the manager's key. */
const GOOD = [...MESSAGES.map((m) => encodeMessage(m)), ...MESSAGES.filter((m) => COMMAND_TYPES.has(m.type)).map((m) => signMessage(m, key, NEW_YEAR_2026))];

function withByte(b: Buffer, at: number, v: number): Buffer { const out = Buffer.from(b); out[at] = v; return out; }
const [prepareBytes, replyBytes, , , chunkBytes, , , flashBytes, progressBytes, reportBytes] = MESSAGES.map((m) => encodeMessage(m));
/** One malformed message for each kind of check; each must carry an expert error. */
const BAD: [string, Buffer][] = [
  ['version 2', withByte(prepareBytes, 0, 2)],
  ['unknown type', withByte(prepareBytes, 1, 0x0e)],
  ['length says one more byte', (() => { const b = Buffer.from(replyBytes); b.writeUInt16BE(b.length + 1, 2); return b; })()],
  ['cut short', (() => { const b = Buffer.from(prepareBytes.subarray(0, prepareBytes.length - 3)); b.writeUInt16BE(b.length, 2); return b; })()],
  ['a byte after the body', (() => { const b = Buffer.concat([flashBytes, Buffer.of(0)]); b.writeUInt16BE(b.length, 2); return b; })()],
  ['manufacturer ID over 20 bits', (() => { const b = Buffer.from(prepareBytes); b.writeUInt32BE(0x10_0000, 16 + 52); return b; })()],
  ['window of 0', (() => { const b = Buffer.from(prepareBytes); b.writeUInt32BE(0, 16 + 67); return b; })()],
  ['unknown readiness', withByte(replyBytes, 16, 9)],
  ['chunk CRC mismatch', withByte(chunkBytes, chunkBytes.length - 1, chunkBytes[chunkBytes.length - 1] ^ 0xff)],
  ['concurrency 0', (() => { const b = Buffer.from(flashBytes); b.writeUInt16BE(0, 24); return b; })()],
  ['counts over the BMC count', (() => { const b = Buffer.from(progressBytes); b.writeUInt16BE(45, 19); return b; })()],
  ['report not done', withByte(reportBytes, 16, RackPhase.FLASHING)],
  ['failed without a reason', withByte(reportBytes, reportBytes.length - 3, 0)],
];

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-X', `lua_script:${DISSECTOR}`, ...args], { maxBuffer: 256 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('tshark with our dissector decodes every rollout message, over UDP and TCP', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const sink = dgram.createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, HOST, () => r()));
  const udpPort = sink.address().port;
  const received: Buffer[] = [];
  const server = net.createServer((s) => s.on('data', (d) => received.push(d)));
  await new Promise<void>((r) => server.listen(0, HOST, () => r()));
  const tcpPort = (server.address() as net.AddressInfo).port;
  t.teardown(() => { sink.close(); server.close(); });

  const capture = await startCapture(`host ${HOST} and (udp port ${udpPort} or tcp port ${tcpPort})`);
  const good = dgram.createSocket('udp4');
  const bad = dgram.createSocket('udp4');
  await new Promise<void>((r) => good.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => bad.bind(0, '127.0.0.1', () => r()));
  for (const b of GOOD) await new Promise<void>((r) => good.send(b, udpPort, HOST, () => r()));
  for (const [, b] of BAD) await new Promise<void>((r) => bad.send(b, udpPort, HOST, () => r()));

  // An image transfer over TCP: the offer and three chunks (the last one 32 KiB), cut across segments.
  const transfer = Buffer.concat([
    signMessage(MESSAGES[3], key, NEW_YEAR_2026),
    encodeMessage({ ...env, sequence: 10, type: MessageType.IMAGE_CHUNK, body: { offset: 0, data: image.subarray(0, 1400) } }),
    encodeMessage({ ...env, sequence: 11, type: MessageType.IMAGE_CHUNK, body: { offset: 1400, data: image.subarray(1400, 2800) } }),
    encodeMessage({ ...env, sequence: 12, type: MessageType.IMAGE_CHUNK, body: { offset: 2800, data: image.subarray(2800, 2800 + 32768) } }),
  ]);
  const client = net.connect(tcpPort, HOST);
  client.setNoDelay(true);
  await new Promise<void>((r) => client.once('connect', () => r()));
  for (const [from, to] of [[0, 10], [10, 300], [300, 1800], [1800, 20_000], [20_000, transfer.length]]) {
    client.write(transfer.subarray(from, to));
    await pause(30);
  }
  client.end();
  for (let i = 0; i < 200 && Buffer.concat(received).length < transfer.length; i++) await pause(10);
  await capture.stop();
  const [goodPort, badPort] = [good.address().port, bad.address().port];
  good.close();
  bad.close();

  const decode = ['-r', capture.file, '-d', `udp.port==${udpPort},bmcfleet_rollout`, '-d', `tcp.port==${tcpPort},bmcfleet_rollout`];
  const goodText = await tshark([...decode, '-Y', `udp.srcport == ${goodPort} || tcp.port == ${tcpPort}`, '-V']);
  t.same(malformedLines(goodText), [], 'no well-formed message shows anything malformed');
  const types = (await tshark([...decode, '-Y', `udp.srcport == ${goodPort}`, '-T', 'fields', '-e', 'bmcfleet_rollout.type'])).trim().split('\n');
  t.equal(types.length, GOOD.length, 'every datagram dissected as a rollout message');
  t.equal(new Set(types).size, 13, 'all 13 message types');
  for (const want of [
    'Type: Prepare (0x01)', 'RMC ID: 4294967295 (every RMC)', 'RMC ID: 5\n', 'Reply scheme: Window (2)', 'Window (us): 500000',
    'Target range 2: RMC 100, 10 of them', 'Flash time: Jan  1, 2026 00:00:00.000000000 UTC', 'Rack: rack-a',
    'Reply delay (us): 123456', 'Address: 127.2.0.5', 'Manufacturer ID: 32473', 'Image name: bmc-1.02.hpm',
    'Image manufacturer ID: 32473', 'Image product ID: 0x0b0f', "BMCs' manufacturer ID: 32473", 'Readiness: Wrong product (3)',
    "BMCs' manufacturer ID: 343", "BMCs' product ID: 0x0002",
    'Firmware aux: 0x00000007', 'Next offset: 2800', 'Result: HPM.1 header checksum wrong (4)', 'Concurrency: 8',
    'BMC 2: 127.1.0.3 Failed, firmware 1.00', 'Reason: Timed out (4)', 'Phase: Done (7)', 'Signed: True',
    'Signed at: Jan  1, 2026 00:00:00.000000000 UTC', 'Data length: 32768',
  ]) t.ok(goodText.includes(want), want);
  const tcpOffsets = (await tshark([...decode, '-Y', `tcp.port == ${tcpPort}`, '-T', 'fields', '-e', 'bmcfleet_rollout.offset']))
    .trim().split('\n').filter((l) => l !== '').flatMap((l) => l.split(','));
  t.same(tcpOffsets, ['0', '1400', '2800'], 'the TCP stream reassembled into its three chunks');

  const badText = await tshark([...decode, '-Y', `udp.srcport == ${badPort}`, '-V']);
  const frames = badText.split(/\n(?=Frame \d+:)/).filter((f) => f.startsWith('Frame'));
  t.equal(frames.length, BAD.length, 'every malformed datagram captured');
  BAD.forEach(([what], i) => t.ok(frames[i] && malformedLines(frames[i]).length > 0, `flagged: ${what}`));
});
