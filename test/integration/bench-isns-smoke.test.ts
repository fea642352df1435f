// Smoke test of the iSNS benchmark (ours against isnsd): a --quick run prints one well-formed JSON result with its
// ratios. It keeps it from rotting; it asserts nothing about speed.
import t from 'tap';
import { quick } from '../helpers/bench-quick.js';

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
