// Smoke test of the broadcast-reply congestion bench (issue 12): `--quick` (1,000 RMCs on loopback, the burst and
// the window scheme) runs a real fleet and the manager's real rounds, prints one JSON line, and writes the results
// JSON and a plot. It checks the shape and that every RMC answered in the end; it asserts nothing about speed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bench = fileURLToPath(new URL('../../bench/congestion.bench.js', import.meta.url));

t.test('congestion --quick: every RMC answered under both schemes; rows, drops, histogram and plot present', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'bmcfleet-congestion-smoke-'));
  const { stdout } = await run(process.execPath, [bench, '--quick', '--out', out], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  t.match(JSON.parse(lines[0]), { benchmark: 'congestion', mode: 'quick', rows: 2, ratios: { window_1000_timeToAll_vs_bound: Number } });

  const report = JSON.parse(readFileSync(join(out, 'congestion.json'), 'utf8'));
  t.same(report.networks, ['loopback']);
  t.same(report.rows.map((r: { scheme: string }) => r.scheme), ['burst', 'window'], 'the burst first: it measures R');
  for (const row of report.rows) {
    t.match(row, {
      n: 1000, rcvbuf: 'default', network: 'loopback', layout: String,
      firstRoundShare: Number, rounds: Number, timeToAllMs: Number, boundMs: Number, ratioToBound: Number,
      kernelDrops: { rcvbufErrors: Number, socketDrops: Number, qdiscDrops: null, softnetDrops: Number },
      arrivalsPerMs: { binMs: Number, counts: Array },
    }, `${row.scheme}: every field`);
    t.equal(row.answered, 1000, `${row.scheme}: every RMC answered in the end`);
    t.equal(row.missing, 0);
    t.ok(row.firstRoundShare > 0 && row.firstRoundShare <= 1, `${row.scheme}: first-round share ${row.firstRoundShare}`);
    t.ok(row.boundMs > 0 && row.ratioToBound > 0, `${row.scheme}: time ${row.timeToAllMs} ms against the bound ${row.boundMs} ms`);
    const arrived = row.arrivalsPerMs.counts.reduce((a: number, b: number) => a + b, 0);
    t.equal(arrived, row.datagramsIn, `${row.scheme}: the histogram counts every datagram`);
    t.ok(arrived >= 1000);
  }
  t.match(report.rows[1].reply, { scheme: 2, windowUs: Number }, 'the window sized from R');
  t.match(readFileSync(join(out, 'congestion-1000.svg'), 'utf8'), /^<svg[^>]*>/, 'the plot is an SVG');
});
