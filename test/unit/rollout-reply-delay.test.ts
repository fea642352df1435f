// The reply schemes' delays and how they spread N replies over time (issue 12, reference
// broadcast-reply-congestion.md §2): octet sum is ideal for a /24 and piles 256 replies into one ms for a /16;
// the window scheme is close to uniform over [0, W); rank slots give every targeted RMC a slot of its own.
import t from 'tap';
import { ReplyScheme, type Prepare } from '../../protocols/rollout/prepare.js';
import { octetSumDelayUs, rankOf, replyDelayUs, windowDelayUs, windowUsFor } from '../../protocols/rollout/reply-delay.js';

/** Replies per 1 ms bucket. */
function perMs(delaysUs: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const d of delaysUs) m.set(Math.floor(d / 1000), (m.get(Math.floor(d / 1000)) ?? 0) + 1);
  return m;
}

function addresses(prefix: string, thirdFrom: number, thirdCount: number): string[] {
  const out: string[] = [];
  for (let c = thirdFrom; c < thirdFrom + thirdCount; c++) for (let d = 0; d < 256; d++) out.push(`${prefix}.${c}.${d}`);
  return out;
}

t.test('octet sum: Tde = a + b + c + d ms', (t) => {
  t.equal(octetSumDelayUs('127.1.0.1'), 129_000);
  t.equal(octetSumDelayUs('0.0.0.0'), 0);
  t.equal(octetSumDelayUs('255.255.255.255'), 1_020_000, 'at most 1,021 distinct slots, 0 to 1,020 ms');
  t.throws(() => octetSumDelayUs('10.0.0'), RangeError);

  const slash24 = perMs(addresses('10.1', 2, 1).map(octetSumDelayUs));
  t.equal(slash24.size, 256, 'a /24: 256 distinct ms');
  t.equal(Math.max(...slash24.values()), 1, 'one reply per ms');

  const slash20 = perMs(addresses('10.20', 16, 16).map(octetSumDelayUs));
  t.equal(Math.max(...slash20.values()), 16, 'a /20 (4,096 RMCs): a plateau of 16 replies per ms');

  const slash16 = perMs(addresses('10.20', 0, 256).map(octetSumDelayUs));
  t.equal(slash16.size, 511, 'a /16 (65,536 RMCs) spreads over 511 ms only');
  t.equal(Math.max(...slash16.values()), 256, 'and puts 256 replies into one ms at the peak');
  t.equal(slash16.get(30 + 255), 256, 'at c + d = 255');
  t.end();
});

t.test('window: deterministic per (RMC, nonce), inside [0, W), close to uniform', (t) => {
  const nonce = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  t.equal(windowDelayUs(42, nonce, 1_000_000), windowDelayUs(42, nonce, 1_000_000), 'the same every time');
  t.equal(windowDelayUs(42, nonce, 1), 0, 'W = 1 µs: 0');

  const W = 1_000_000;
  const N = 10_000;
  const BINS = 100;
  for (const seed of [0x00, 0x5a, 0xff]) {
    const n = Buffer.alloc(16, seed);
    const delays = Array.from({ length: N }, (_, id) => windowDelayUs(id, n, W));
    t.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d < W), 'every delay in [0, W)');
    const counts = new Array<number>(BINS).fill(0);
    for (const d of delays) counts[Math.floor((d / W) * BINS)]++;
    const expected = N / BINS;
    const chiSquare = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: P(chi-square > 148.2) = 0.001 for a uniform source
    t.ok(chiSquare < 148.2, `nonce ${seed.toString(16)}: chi-square ${chiSquare.toFixed(1)} over ${BINS} bins`);
    const mean = delays.reduce((s, d) => s + d, 0) / N;
    t.ok(Math.abs(mean - W / 2) < 0.02 * W, `mean ${Math.round(mean)} µs, W/2 = ${W / 2}`);
  }

  const a = Array.from({ length: 1000 }, (_, id) => windowDelayUs(id, Buffer.alloc(16, 1), W));
  const b = Array.from({ length: 1000 }, (_, id) => windowDelayUs(id, Buffer.alloc(16, 2), W));
  t.ok(a.filter((d, i) => d === b[i]).length < 5, 'another nonce, other delays');

  // 50,000 RMCs in W = 500 ms: 100 replies per ms on average; the busiest ms stays near it, unlike octet sum's 256.
  const busiest = Math.max(...perMs(Array.from({ length: 50_000 }, (_, id) => windowDelayUs(id, nonce, 500_000))).values());
  t.ok(busiest < 150, `the busiest ms of 50,000 in 500 ms holds ${busiest}`);
  t.end();
});

t.test('rank slots: the place among the target ranges, in their order', (t) => {
  const targets = [{ firstRmcId: 100, count: 10 }, { firstRmcId: 5, count: 3 }];
  t.equal(rankOf(100, targets), 0);
  t.equal(rankOf(109, targets), 9);
  t.equal(rankOf(5, targets), 10, 'the second range follows the first');
  t.equal(rankOf(7, targets), 12);
  t.equal(rankOf(8, targets), null, 'not targeted');
  t.equal(rankOf(110, targets), null);

  const prepare = { nonce: new Uint8Array(16), reply: { scheme: ReplyScheme.RANK_SLOTS, slotUs: 20 } as const, targets: [{ firstRmcId: 0, count: 10_000 }] };
  const delays = Array.from({ length: 10_000 }, (_, id) => replyDelayUs(prepare, { rmcId: id, address: '127.0.0.1' })!);
  t.equal(new Set(delays).size, 10_000, 'a slot each');
  t.equal(Math.max(...delays), 9_999 * 20, 'the last in slot N - 1');
  t.end();
});

t.test('replyDelayUs picks the Prepare\'s scheme; null for an RMC not targeted', (t) => {
  const base: Pick<Prepare, 'nonce' | 'targets'> = { nonce: new Uint8Array(16).fill(9), targets: [{ firstRmcId: 10, count: 5 }] };
  const rmc = { rmcId: 12, address: '127.2.0.12' };
  t.equal(replyDelayUs({ ...base, reply: { scheme: ReplyScheme.IMMEDIATE } }, rmc), 0);
  t.equal(replyDelayUs({ ...base, reply: { scheme: ReplyScheme.OCTET_SUM } }, rmc), 141_000);
  t.equal(replyDelayUs({ ...base, reply: { scheme: ReplyScheme.WINDOW, windowUs: 250_000 } }, rmc), windowDelayUs(12, base.nonce, 250_000));
  t.equal(replyDelayUs({ ...base, reply: { scheme: ReplyScheme.RANK_SLOTS, slotUs: 1000 } }, rmc), 2000);
  t.equal(replyDelayUs({ ...base, reply: { scheme: ReplyScheme.IMMEDIATE } }, { rmcId: 15, address: '127.2.0.15' }), null);
  t.end();
});

t.test('windowUsFor: W = N / (utilisation x R)', (t) => {
  t.equal(windowUsFor(10_000, 100_000), 125_000, '10,000 replies at 100,000/s, 80% used: 125 ms');
  t.equal(windowUsFor(50_000, 100_000, 1), 500_000);
  t.equal(windowUsFor(0, 1000), 1, 'never 0');
  t.throws(() => windowUsFor(10, 0), RangeError);
  t.throws(() => windowUsFor(10, 10, 1.5), RangeError);
  t.end();
});
