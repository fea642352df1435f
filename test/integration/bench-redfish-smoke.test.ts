// Smoke test of the Redfish benchmark (issue 16): `--quick` (100 BMCs, 25 under load, a second each) prints one JSON
// line with every figure, over HTTPS with the fleet's CA, and no request failed. Nothing about speed or memory.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bench = fileURLToPath(new URL('../../bench/redfish.bench.js', import.meta.url));

t.test('redfish --quick: one JSON line; both fleets measured, every GET answered, ratios present', async (t) => {
  const { stdout } = await run(process.execPath, [bench, '--quick'], { maxBuffer: 16 * 1024 * 1024, timeout: 240_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]);
  t.match(report, {
    benchmark: 'redfish', mode: 'quick', machine: { cpus: Number, model: String }, loadAverage: { start: Array, end: Array },
    settings: { bmcs: 100, loadedBmcs: 25, inFlight: Number, seconds: 1, goalKbPerBmc: 10 },
    results: {
      ipmiAlone: { readyLineMs: Number, allAnswerMs: Number, rssKbReady: Number, rssKbIdle: Number },
      ipmiAndRedfish: { readyLineMs: Number, allAnswerMs: Number, everyRootMs: Number, rssKbReady: Number, rssKbWarm: Number, rssKbWarmIdle: Number },
      extraKbPerBmc: { ready: Number, warm: Number, warmIdle: Number },
      get: { transport: /^https, TLSv1\.[23] /, documentBytes: Number },
    },
  });
  const { get } = report.results;
  t.ok(get.documentBytes > 500, `the ceiling answers the system's document (${get.documentBytes} bytes)`);
  for (const side of ['manyBmcs', 'oneBmc', 'ceiling']) {
    t.ok(get[side].requestsPerSec > 0, `${side}: requests answered`);
    t.ok(get[side].latencyMs.p99 >= get[side].latencyMs.p50, `${side}: p50 and p99`);
    t.same(get[side].errors, {}, `${side}: no request failed`);
    t.type(get[side].connectionsOpened, 'number', `${side}: connections opened during the load counted`);
  }
  for (const [k, v] of Object.entries(report.ratios)) t.ok(typeof v === 'number' && Number.isFinite(v), `ratio ${k}`);
});
