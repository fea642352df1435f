// Smoke test of the fleet, SOL, iSNS and flood benchmarks: a --quick run of each prints one well-formed JSON result with its
// ratios. It keeps them from rotting; it asserts nothing about speed (that is what the full runs report).
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bench = (name: string) => fileURLToPath(new URL(`../../bench/${name}.bench.js`, import.meta.url));

async function quick(name: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, [bench(name), '--quick', ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return { lines, report: JSON.parse(lines[lines.length - 1]) };
}

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

t.test('isns --quick: both servers registered, answered queries and delivered every SCN', async (t) => {
  const { lines, report } = await quick('isns');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  for (const side of ['ours', 'isnsd']) {
    t.ok(report[side].registrationsPerSec > 0 && report[side].queriesPerSec > 0, `${side}: registrations and queries measured`);
    t.ok(report[side].listAllNodesMs > 0, `${side}: the whole DevGetNext listing timed`);
    t.equal(report[side].scnsReceived, report.scnListeners, `${side}: every listener got its SCN`);
  }
  for (const k of ['registrationsPerSec', 'queriesPerSec', 'listAllNodesMs', 'scnFanOutMs']) t.ok(report.ratios[k] > 0, `ratio ${k}`);
});

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
