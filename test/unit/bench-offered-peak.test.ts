// The congestion study's sender-side measure (bench/lib/loopback-capture.ts): the most replies offered in any span
// of consecutive ms, from a sparse [ms, count] list as the capture builds it.
import t from 'tap';
import { peakIn } from '../../bench/lib/loopback-capture.js';

t.test('peakIn: the busiest span of whole ms, gaps counting as empty ms', (t) => {
  t.equal(peakIn([], 10), 0);
  t.equal(peakIn([[5, 3]], 10), 3);
  t.equal(peakIn([[0, 1], [9, 2], [10, 4]], 10), 6, 'ms 1-10 hold 2 + 4');
  t.equal(peakIn([[0, 5], [10, 5]], 10), 5, 'ms 0 and ms 10 are 11 ms apart: never in one 10 ms span');
  t.equal(peakIn([[0, 1], [3, 1], [100, 7], [104, 1], [120, 2]], 10), 8);
  t.equal(peakIn([[0, 2], [1, 2], [2, 2]], 1), 2);
  t.end();
});
