// Smoke test of the rollout benchmark (issue 11, "Measured"): a --quick run (3 racks x 4 BMCs) prints one well-formed
// JSON result in which both the baseline (the manager flashing every BMC itself) and the rollout through the RMCs
// flashed every BMC, with the ratios the committed bench/results/rollout.json reports. It keeps the benchmark from
// rotting; it asserts nothing about speed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

t.test('rollout --quick: 12 BMCs flashed by the baseline and again through 3 RMCs, one JSON line', async (t) => {
  t.setTimeout(170_000);
  const bench = fileURLToPath(new URL('../../bench/rollout.bench.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 160_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.match(report, { benchmark: 'rollout', mode: 'quick', anchor: 'baseline', fleet: { racks: 3, bmcsPerRack: 4, bmcs: 12 } });
  t.same(report.baseline.outcomes, { flashed: 12 }, 'the baseline flashed every BMC');
  t.match(report.rollout, { racksReporting: 3, outcomes: { flashed: 12 } }, 'so did the rollout, every rack reporting');
  t.ok(report.rollout.bytesSent > 0 && report.rollout.cpuSeconds >= 0 && report.rollout.peakRssMb > 0, 'the manager\'s bytes, CPU and RSS');
  t.ok(report.ratios.bytes_vs_baseline > 0 && report.ratios.time_vs_baseline > 0, `ratios ${JSON.stringify(report.ratios)}`);
});
