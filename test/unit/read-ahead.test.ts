// The emulated host's read-ahead (emulator/host/read-ahead.ts) with a recording reader: which READs are sent when, a
// READ sent ahead handed out when asked for, a read elsewhere dropping them, nothing sent past the medium's end.
import t from 'tap';
import { ReadAhead } from '../../emulator/host/read-ahead.js';

function recorder() {
  const sent: string[] = [];
  /** The buffer each READ was read into, by its first block. */
  const buffers = new Map<number, Buffer | undefined>();
  const read = (lba: number, blocks: number, into?: Buffer) => {
    sent.push(`${lba}+${blocks}`);
    buffers.set(lba, into);
    const text = Buffer.from(`${lba}+${blocks}`);
    if (into === undefined) return Promise.resolve(text);
    text.copy(into);
    return Promise.resolve(into.subarray(0, text.length));
  };
  return { sent, buffers, read };
}

t.test('a sequential reader: each READ asked for sends the next ones, up to the depth, each once', async (t) => {
  const r = recorder();
  const ahead = new ReadAhead(3, r.read);
  t.equal((await ahead.take(0, 10, 100)).toString(), '0+10');
  t.same(r.sent, ['0+10', '10+10', '20+10', '30+10'], 'the one asked for, then 3 ahead');
  t.equal((await ahead.take(10, 10, 100)).toString(), '10+10', 'handed out, not read again');
  t.same(r.sent.slice(4), ['40+10'], 'one more keeps 3 ahead');
});

t.test('near the end: the last READ is short, and nothing is sent past the end', async (t) => {
  const r = recorder();
  const ahead = new ReadAhead(4, r.read);
  await ahead.take(70, 10, 95);
  t.same(r.sent, ['70+10', '80+10', '90+5']);
  t.equal((await ahead.take(90, 5, 95)).toString(), '90+5', 'the short one, as the reader asks for it');
});

t.test('a read elsewhere, or of another size, drops what was sent ahead', async (t) => {
  const r = recorder();
  const ahead = new ReadAhead(2, r.read);
  await ahead.take(0, 10, 100);
  await ahead.take(50, 10, 100);
  t.same(r.sent, ['0+10', '10+10', '20+10', '50+10', '60+10', '70+10']);
  await ahead.take(60, 5, 100);
  t.same(r.sent.slice(6), ['60+5', '65+5', '70+5'], 'same first block, other size: read again');
  ahead.drop();
  await ahead.take(65, 5, 100);
  t.same(r.sent.slice(9), ['65+5', '70+5', '75+5'], 'after drop() nothing sent before is handed out');
});

t.test('a READ sent ahead that fails: its error goes to whoever asks for it, and is no unhandled rejection meanwhile', async (t) => {
  const ahead = new ReadAhead(1, (lba) => (lba === 10 ? Promise.reject(new Error('medium error at 10')) : Promise.resolve(Buffer.alloc(1))));
  await ahead.take(0, 10, 100);
  await new Promise((r) => setImmediate(r));
  await t.rejects(ahead.take(10, 10, 100), /medium error at 10/);
});

t.test('into the reader\'s buffer: READs sent ahead go into buffers kept there, copied when asked for, then used again', async (t) => {
  const r = recorder();
  const ahead = new ReadAhead(2, r.read);
  const into = Buffer.alloc(16);
  const first = await ahead.take(0, 10, 1000, into);
  t.equal(first.buffer, into.buffer, 'the READ asked for goes straight into it');
  t.equal(r.buffers.get(0), into);
  const kept10 = r.buffers.get(10)!;
  t.ok(kept10 !== undefined && kept10 !== into, 'those sent ahead into buffers of its own');
  const second = await ahead.take(10, 10, 1000, into);
  t.equal(second.toString(), '10+10', 'copied into the reader\'s buffer');
  t.equal(second.buffer, into.buffer);
  t.equal((await ahead.take(20, 10, 1000, into)).toString(), '20+10');
  t.equal(r.buffers.get(40), kept10, 'and the buffer it came in is used again for a READ sent after it was copied');
  const inFlight = [r.buffers.get(30), r.buffers.get(40)];
  ahead.drop();
  await ahead.take(500, 10, 1000, into);
  t.ok(inFlight.every((b) => b !== r.buffers.get(510) && b !== r.buffers.get(520)), 'buffers of READs dropped are not used again: their answers may still come');
});
