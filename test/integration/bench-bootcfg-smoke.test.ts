// Smoke test of the bootcfg benchmark: a --quick run (300 targets) prints one well-formed JSON result, the whole
// inventory in the manager's database and every SCN sample measured. It keeps the benchmark from rotting; it asserts
// nothing about speed (the full run in bench/results/ reports that).
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

t.test('bootcfg --quick: 300 targets inventoried, SCNs reach the list', async (t) => {
  const bench = fileURLToPath(new URL('../../bench/bootcfg.bench.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.equal(report.benchmark, 'bootcfg');
  t.match(report.inventory, { disks: 300 });
  t.ok(report.scnToList.msP50 > 0 && report.anchors.scnToPlainListenerMsP50 > 0, 'both SCN paths measured');
  for (const k of ['inventory_vs_nameWalk', 'scnToList_vs_scnToListener']) t.ok(report.ratios[k] > 0, `ratio ${k}`);
});
