// runtime/in-turn.ts: work runs one piece at a time in the order asked, a failure holds up nothing after it, and
// settled() waits for everything asked so far.
import t from 'tap';
import { InTurn } from '../../runtime/in-turn.js';
import { gate } from '../helpers/memory-source.js';

t.test('one at a time, in the order asked, even when the first waits longest', async (t) => {
  const turns = new InTurn();
  const log: string[] = [];
  const held = gate();
  const first = turns.run(async () => { log.push('first starts'); await held.wait; log.push('first ends'); return 1; });
  const second = turns.run(async () => { log.push('second'); return 2; });
  await new Promise((r) => setImmediate(r));
  t.same(log, ['first starts'], 'the second waits for the first');
  held.open();
  t.same(await Promise.all([first, second]), [1, 2]);
  t.same(log, ['first starts', 'first ends', 'second']);
});

t.test('a failure is its caller\'s alone: the next runs; settled() waits for all and never rejects', async (t) => {
  const turns = new InTurn();
  const held = gate();
  const failing = turns.run(async () => { await held.wait; throw new Error('no'); });
  let ran = false;
  const next = turns.run(async () => { ran = true; });
  let settled = false;
  const all = turns.settled().then(() => { settled = true; });
  await new Promise((r) => setImmediate(r));
  t.notOk(settled, 'settled() waits for the work under way');
  held.open();
  await t.rejects(failing, /no/);
  await next;
  await all;
  t.ok(ran);
  t.ok(settled);
});
