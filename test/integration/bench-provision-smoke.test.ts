// Smoke test of the provision-discover benchmark: a --quick run (300 BMCs in a /22) prints one well-formed JSON
// result, every BMC identified, its anchors and ratios measured. It keeps the benchmark from rotting; it asserts
// nothing about speed (the full run in bench/results/ reports that).
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

t.test('provision-discover --quick: the whole /22 swept, all 300 BMCs identified', async (t) => {
  const bench = fileURLToPath(new URL('../../bench/provision-discover.bench.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.equal(report.benchmark, 'provision-discover');
  t.match(report.fleet, { bmcs: 300, addresses: 1022, silentAddresses: 722 });
  t.match(report.discover, { found: 300, identified: 300, failed: 0, complete: true, sweep: { swept: 1022, silent: 722 } });
  t.equal(report.anchors.pingOnly.answered, 300);
  t.ok(report.anchors.sessionSetupsPerSec > 0);
  for (const k of ['discover_vs_pingOnly', 'discover_vs_sessionSetups']) t.ok(report.ratios[k] > 0, `ratio ${k}`);
  t.ok(report.loadAverage.atStart.length === 3, 'the machine\'s load noted');
});
