// CIDR blocks for the discovery sweep: parsed strictly (each mistake said), and their host addresses.
import t from 'tap';
import { cidrHostCount, cidrHosts, parseCidr } from '../../runtime/ipv4.js';

t.test('a block\'s host addresses: network and broadcast left out, except in a /31 and a /32', async (t) => {
  const c = parseCidr('127.140.0.0/22');
  t.same([c.prefix, c.first, c.last], [22, 0x7f8c0000, 0x7f8c03ff]);
  t.equal(cidrHostCount(c), 1022);
  const hosts = [...cidrHosts(c)];
  t.equal(hosts.length, 1022);
  t.same([hosts[0], hosts[254], hosts[255], hosts[1021]], ['127.140.0.1', '127.140.0.255', '127.140.1.0', '127.140.3.254'],
    'a /22 is one network: its .255 and .0 in the middle are hosts');
  t.same([...cidrHosts(parseCidr('10.0.0.4/31'))], ['10.0.0.4', '10.0.0.5']);
  t.same([...cidrHosts(parseCidr('10.0.0.4/32'))], ['10.0.0.4']);
  t.equal(cidrHostCount(parseCidr('10.0.0.0/16')), 65_534);
});

t.test('every mistake is said', async (t) => {
  t.throws(() => parseCidr('127.140.0.0'), /not a CIDR block \(ADDRESS\/PREFIX, e\.g\. 10\.1\.0\.0\/16\): "127\.140\.0\.0"/);
  t.throws(() => parseCidr('127.140.0/22'), /not an IPv4 address: 127\.140\.0/);
  t.throws(() => parseCidr('127.140.0.0/33'), /a prefix is 0 to 32, not 33/);
  t.throws(() => parseCidr('127.140.1.0/22'), /127\.140\.1\.0 has bits set past the \/22: the block is 127\.140\.0\.0\/22/);
  t.throws(() => parseCidr('256.0.0.0/8'), /not an IPv4 address/);
});
