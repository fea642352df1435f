// addressRange / addressOffset (runtime/ipv4.ts): a range's ends and an address's place in it computed, not listed,
// exactly as consecutiveAddresses lists them (.0 and .255 skipped).
import t from 'tap';
import { addressOffset, addressRange, consecutiveAddresses, formatIpv4, parseIpv4 } from '../../runtime/ipv4.js';

t.test('the ends of a range and each address\'s offset agree with the listed addresses', (t) => {
  const starts = ['127.1.0.1', '127.1.0.0', '127.1.0.255', '127.1.0.254', '127.1.255.250', '10.0.0.7'];
  let checked = 0;
  for (const start of starts) {
    for (const count of [1, 2, 253, 254, 255, 600]) {
      const listed = consecutiveAddresses(start, count);
      const { first, last } = addressRange(parseIpv4(start), count);
      if (formatIpv4(first) !== listed[0] || formatIpv4(last) !== listed[count - 1]) t.fail(`${start} x ${count}: ${formatIpv4(first)}-${formatIpv4(last)}`);
      listed.forEach((ip, k) => { if (addressOffset(first, parseIpv4(ip)) !== k) t.fail(`${ip} in ${start} x ${count}`); });
      checked++;
    }
  }
  t.equal(checked, 36);
  t.equal(addressRange(parseIpv4('255.255.255.250'), 10).last > 0xffffffff, true, 'past 255.255.255.255: a number beyond 32 bits, not a wrap');
  t.end();
});
