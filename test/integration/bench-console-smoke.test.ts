// Smoke test of the console benchmarks (SOL under faults, the console watcher): a --quick run of each prints one
// well-formed JSON result. It keeps them from rotting; it asserts nothing about speed.
import t from 'tap';
import { quick } from '../helpers/bench-quick.js';

t.test('ipmitool-sol-faults --quick: both consoles were watched and their numbered lines counted', async (t) => {
  const { lines, report } = await quick('ipmitool-sol-faults');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  for (const side of ['clean', 'faulty']) {
    const r = report.results[side];
    t.type(r.survived, 'boolean', `${side}: survival recorded`);
    t.ok(r.seen >= 0 && r.missing >= 0 && r.repeated >= 0, `${side}: lines counted`);
  }
  t.ok(report.results.clean.seen > 0, 'the clean console showed numbered lines');
  t.ok(report.results.clean.survived, 'the clean console survived');
});

t.test('console-watch --quick: every console captured with no line missing or repeated', async (t) => {
  const { lines, report } = await quick('console-watch');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  for (const side of ['clean', 'faulty']) {
    const r = report.results[side];
    t.ok(r.linesCaptured > 0, `${side}: lines captured`);
    t.equal(r.linesMissing, 0, `${side}: no line missing`);
    t.equal(r.linesRepeated, 0, `${side}: no line repeated`);
    t.ok(r.watcherRssKb > 0 && r.emulatorRssKb > 0, `${side}: RSS sampled`);
  }
});
