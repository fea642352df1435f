// Target lists on the command line.
import t from 'tap';
import { parseTargets } from '../../cli/targets.js';

t.test('ranges, lists and mixes; .0 and .255 skipped', (t) => {
  t.same(parseTargets('127.1.0.1'), ['127.1.0.1']);
  t.same(parseTargets('127.1.0.254-127.1.1.2'), ['127.1.0.254', '127.1.1.1', '127.1.1.2']);
  t.same(parseTargets('127.1.0.1, 127.2.0.1-127.2.0.2'), ['127.1.0.1', '127.2.0.1', '127.2.0.2']);
  t.end();
});

t.test('bad lists are usage errors that say why', (t) => {
  t.throws(() => parseTargets('127.1.0.9-127.1.0.1'), /runs backwards/);
  t.throws(() => parseTargets('bmc-7'), /not an IPv4 address/);
  t.throws(() => parseTargets(','), /no addresses/);
  t.throws(() => parseTargets('10.0.0.0-10.255.255.255'), /more than 1000000/);
  t.end();
});
