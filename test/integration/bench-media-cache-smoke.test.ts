// Smoke test of the media cache benchmark (issue 13): `--quick` (100 hosts, an 8 MiB image) prints one JSON line
// with every field, and the backing was read once from the file and once over HTTP. Nothing about speed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bench = fileURLToPath(new URL('../../bench/media-cache.bench.js', import.meta.url));

t.test('media-cache --quick: one JSON line; file and HTTP backings read once', async (t) => {
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  const imageBytes = 8 * 1024 * 1024;
  t.match(report, {
    benchmark: 'media-cache', mode: 'quick', machine: { cpus: Number, model: String },
    settings: { imageBytes, hosts: 100, readBytes: 122880 },
    results: {
      direct: { seconds: Number, bytes: Number, mbPerSec: Number },
      file: { bytesDelivered: 100 * imageBytes, backingBytesRead: imageBytes, aggregateMbPerSec: Number, rssKb: { before: Number, max: Number, after: Number } },
      http: { bytesDelivered: 100 * imageBytes, backingBytesRead: imageBytes, serverBytesSent: imageBytes + 1 },
    },
    ratios: { file_backingBytes_vs_image: 1, http_serverBytes_vs_image: 1, file_aggregateThroughput_vs_direct: Number, http_aggregateThroughput_vs_direct: Number },
  });
});
