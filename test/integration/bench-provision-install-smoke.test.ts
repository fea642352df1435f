// Smoke test of the provision-install benchmark: a --quick run (4 hosts, a 4 MiB image) prints one well-formed JSON
// result, every host installed in both runs and the image read once from the file in each. It keeps the benchmark from
// rotting; it asserts nothing about speed (the full run in bench/results/ reports that).
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

t.test('provision-install --quick: 4 hosts installed all at once and 20 at a time, the image read once each time', async (t) => {
  const bench = fileURLToPath(new URL('../../bench/provision-install.bench.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 110_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.equal(report.benchmark, 'provision-install');
  t.same(report.runs.map((r: { concurrency: number }) => r.concurrency), [4, 20]);
  for (const r of report.runs) {
    t.match(r, { hosts: 4, installed: 4, failed: 0 }, `concurrency ${r.concurrency}: all installed`);
    t.equal(r.backingBytesRead, r.imageBytes, `concurrency ${r.concurrency}: the image read from the file once`);
    t.ok(r.timeToLastInPoolMs > 0 && r.managerCpuSeconds > 0);
  }
  t.ok(report.ratios.timeAllAtOnceVsBaseline20 > 0);
  t.ok(report.loadAverage.atStart.length === 3, 'the machine\'s load noted');
});
