// The pooled random source: right sizes, no byte handed out twice, across refills.
import t from 'tap';
import { pooledRandom } from '../../protocols/random-pool.js';

t.test('sizes, independence of returned buffers, and refills', (t) => {
  const random = pooledRandom();
  const seen = new Set<string>();
  let total = 0;
  let wrongSize = 0;
  for (let i = 0; i < 20_000; i++) {
    const b = random(16);
    if (b.length !== 16) wrongSize++;
    seen.add(b.toString('hex'));
    total += 16;
  }
  t.equal(wrongSize, 0, 'every buffer 16 bytes');
  t.equal(seen.size, 20_000, `${total} bytes (several refills): no 16-byte value repeated`);
  const kept = random(4);
  const copy = Buffer.from(kept);
  for (let i = 0; i < 5000; i++) random(16); // force refills over the slot `kept` came from
  t.same(kept, copy, 'a returned buffer is not overwritten by later refills');
  t.equal(random(100_000).length, 100_000, 'larger than the pool');
  t.end();
});
