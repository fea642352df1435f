// Smoke test of the flood benchmarks: a --quick run of one attack each prints one well-formed JSON result. It keeps
// them from rotting; it asserts nothing about speed or memory.
import t from 'tap';
import { quick } from '../helpers/bench-quick.js';

// The flood benchmarks run one attack each here (3 s): all of them take a minute and more.
for (const [name, attack] of [['bmc-flood', 'open-session'], ['control-api-flood', 'bad-headers']]) {
  t.test(`${name} --quick --only ${attack}: RSS sampled, the legitimate client served, the attack counted`, async (t) => {
    const { lines, report } = await quick(name, '--only', attack);
    t.equal(lines.length, 1, 'exactly one line on stdout');
    t.equal(report.benchmark, name);
    t.same(Object.keys(report.attacks), [attack], 'only the attack asked for ran');
    const r = report.attacks[attack];
    t.ok(r.rssKb.before > 0 && r.rssKb.max >= r.rssKb.before && r.rssKb.after > 0, 'RSS before, at most and after');
    t.ok(r.legitimate.attempts > 0 && r.legitimate.ok > 0, 'the legitimate client got through');
    t.ok(Object.keys(r.attack).length > 0, 'the attack reported what it got');
    for (const [k, v] of Object.entries(report.ratios)) t.ok(typeof v === 'number' && v >= 0, `ratio ${k}`);
  });
}
