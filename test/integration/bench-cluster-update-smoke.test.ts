// Smoke test of the cluster-update benchmark: a --quick run (4 hosts in 2 groups, max-down 50%: one host of each group
// down at a time) prints one well-formed JSON result, every host updated in both runs, and the update's samples never
// saw more down than the limits allow. It keeps the benchmark from rotting; it asserts nothing about speed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

t.test('cluster-update --quick: 4 hosts updated within the limits, and by the runner alone', async (t) => {
  t.setTimeout(170_000);
  const bench = fileURLToPath(new URL('../../bench/cluster-update.bench.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 160_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.match(report, { benchmark: 'cluster-update', hosts: 4, groups: 2, limitInGroup: 1, limitOverall: 2, withinLimits: true });
  t.match(report.update, { hosts: 4, updated: 4, failed: 0, status: 'done' });
  t.match(report.anchor, { hosts: 4, updated: 4, failed: 0 });
  t.ok(report.update.samples > 0, 'the down count was sampled');
  t.ok(report.update.maxDown >= 1 && report.update.maxDownInGroup === 1, 'hosts went down, one per group at most');
  t.ok(report.ratios.timeVsRunnerAlone > 0);
});
