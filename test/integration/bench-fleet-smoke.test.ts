// Smoke test of the fleet benchmarks: a --quick run of each prints one well-formed JSON result with its ratios. It keeps
// them from rotting; it asserts nothing about speed (that is what the full runs report). The console, iSNS and flood
// benchmarks: bench-console-smoke, bench-isns-smoke, bench-flood-smoke (files of their own, so that tap runs them side
// by side).
import t from 'tap';
import { quick } from '../helpers/bench-quick.js';

t.test('ipmi-vs-ipmi-sim --quick: both sides served every request, ratios present', async (t) => {
  const { lines, report } = await quick('ipmi-vs-ipmi-sim');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  t.equal(report.benchmark, 'ipmi-vs-ipmi-sim');
  for (const size of ['oneBmc', 'manyBmcs']) {
    for (const side of ['ours', 'ipmiSim']) {
      const r = report.results[size][side];
      t.ok(r.requestsPerSec > 0, `${size} ${side}: requests answered`);
      t.same(r.errors, {}, `${size} ${side}: no errors`);
      t.ok(r.rssKb > 0 && r.readyMs >= 0, `${size} ${side}: RSS and time to ready measured`);
    }
  }
  for (const [k, v] of Object.entries(report.ratios)) t.ok(typeof v === 'number' && v > 0, `ratio ${k}`);
});

t.test('fleet-scale --quick: the fleet came up, served requests and sessions', async (t) => {
  const { lines, report } = await quick('fleet-scale');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const r = report.results[0];
  t.ok(r.allAnswerMs > 0 && r.rssKbPerBmc > 0, 'time to ready and RSS measured');
  t.ok(r.requestsPerSec > 0 && r.sessionSetupsPerSec > 0, 'requests and session setups measured');
  t.same(r.requestErrors, {}, 'no request errors');
  for (const k of ['readyMs_vs_target', 'rssPerBmc_vs_target', 'sessionSetups_vs_target']) t.ok(report.ratios[k] > 0, `ratio ${k}`);
});
