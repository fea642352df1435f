// Smoke test of the bootcfg-requests benchmark: a --quick run (10 hosts, 10 targets in five sizes) prints one
// well-formed JSON result, every host booted in both runs (the manager's requests, each given the best-fitting disk,
// and the plain client's), the requests all accepted. It keeps the benchmark from rotting; it asserts nothing about
// speed (the full run in bench/results/ reports that).
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

t.test('bootcfg-requests --quick: 10 boot requests through the manager and 10 boots by a plain client, all booted', async (t) => {
  const bench = fileURLToPath(new URL('../../bench/bootcfg-requests.bench.js', import.meta.url));
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 90_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.match(report, { benchmark: 'bootcfg-requests', mode: 'quick', hosts: 10, concurrency: Number, pollMs: Number });
  t.same(report.runs.map((r: { run: string }) => r.run), ['manager', 'plain-client']);
  for (const r of report.runs) {
    t.match(r, { hosts: 10, booted: 10, failed: 0 }, `${r.run}: every host booted`);
    t.same(r.firstFailures, []);
    t.ok(r.timeToLastBootedMs > 0 && r.timeToHalfBootedMs <= r.timeToLastBootedMs, `${r.run}: times measured`);
    t.ok(r.processCpuSeconds > 0 && r.processPeakRssMB > 0 && r.fleetCpuSeconds >= 0, `${r.run}: costs measured`);
  }
  t.match(report.runs[0], { accepted: 10, managerProblems: 0 });
  t.ok(report.runs[0].reserveAllMs > 0 && report.runs[0].requestsPerSecond > 0, 'the reservations timed');
  t.ok(report.ratios.timeToLastBootedManagerVsPlainClient > 0 && report.ratios.cpuManagerVsPlainClient > 0);
  t.equal(report.loadAverage.atStart.length, 3, 'the machine\'s load noted');
});
