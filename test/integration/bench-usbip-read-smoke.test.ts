// Smoke test of the USB/IP read benchmark (issue 13): `--quick` (a fleet of 20 BMCs, a 4 MiB image) prints one JSON
// line with every field; each single-host variant read the image, the raw TCP anchor moved bytes, and the 20 hosts
// reading one HTTP image at once made the server send it once. Nothing about speed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bench = fileURLToPath(new URL('../../bench/usbip-read.bench.js', import.meta.url));

t.test('usbip-read --quick: one JSON line; every variant measured; the HTTP backing read once for 20 hosts', async (t) => {
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  const imageBytes = 4 * 1024 * 1024;
  const variant = (maxTransferBytes: number, queued: boolean, readAhead = 0, newMemory = false) => ({
    maxTransferBytes, queued, readAhead, newMemory, warmMbPerSec: Number, ratio: Number,
    trials: [{ rawTcpMbPerSec: Number, firstPassMbPerSec: Number, warm: { passes: Number, bytes: Number, mbPerSec: Number }, ratio: Number }],
  });
  t.match(report, {
    benchmark: 'usbip-read', mode: 'quick', machine: { cpus: Number, model: String }, note: String,
    settings: { imageBytes, hosts: 20, blockSize: 2048, manyHostsTransfer: 122880, shards: 1, rounds: 1 },
    results: {
      rawTcpBeforeManyHosts: { seconds: Number, bytes: Number, mbPerSec: Number },
      singleHost: [variant(122880, false), variant(122880, true), variant(1048576, false), variant(1048576, true), variant(122880, true, 4), variant(1048576, true, 4), variant(1048576, true, 4, true)],
      manyHosts: { hosts: 20, bytesDelivered: 20 * imageBytes, backingBytesRead: imageBytes + 1, rssKb: { shardBefore: Number, shardMax: Number, benchMax: Number } },
    },
    ratios: {
      singleHost_120KiB_vs_rawTcp: Number, singleHost_120KiB_queued_vs_rawTcp: Number, singleHost_1MiB_vs_rawTcp: Number, singleHost_1MiB_queued_vs_rawTcp: Number,
      singleHost_120KiB_readAhead_vs_rawTcp: Number, singleHost_1MiB_readAhead_vs_rawTcp: Number, singleHost_1MiB_readAhead_newMemory_vs_rawTcp: Number,
      manyHosts_aggregate_vs_rawTcp: Number,
    },
  });
  t.equal(report.results.singleHost.length, 7, 'four one-command-at-a-time rows (Linux-like and queued), two with read-ahead, and one of them into new memory');
  for (const v of report.results.singleHost) {
    t.equal(v.trials[0].warm.bytes % imageBytes, 0, `${v.maxTransferBytes} B READs${v.queued ? ', queued' : ''}${v.readAhead ? `, read-ahead ${v.readAhead}` : ''}: whole passes`);
    t.ok(v.trials[0].rawTcpMbPerSec > 0, 'its anchor moved bytes');
  }
  t.ok(report.results.rawTcpBeforeManyHosts.bytes > 0);
  t.ok(report.ratios.manyHosts_backingBytes_vs_image >= 1 && report.ratios.manyHosts_backingBytes_vs_image < 1.001, 'the image and the 1-byte probe');
});
