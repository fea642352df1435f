// The one helper for counts in lines people read (runtime/plural.ts): singular for exactly 1 only.
import t from 'tap';
import { plural } from '../../runtime/plural.js';

t.test('1 is singular; 0, 2 and fractions are plural; an irregular plural is given', (t) => {
  t.equal(plural(1, 'target'), '1 target');
  t.equal(plural(0, 'console'), '0 consoles');
  t.equal(plural(2, 'BMC'), '2 BMCs');
  t.equal(plural(1.5, 'second'), '1.5 seconds');
  t.equal(plural(1, 'address', 'addresses'), '1 address');
  t.equal(plural(3, 'late heartbeat reply', 'late heartbeat replies'), '3 late heartbeat replies');
  t.end();
});
