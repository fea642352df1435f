// The control API's routing table: methods, literal and :name segments, a last ** and first match wins.
import t from 'tap';
import { RouteTable, type Route } from '../../emulator/fleet/control/route.js';

const route = (method: string, path: string): Route => ({ method, path, answer: () => `${method} ${path}` });
const table = new RouteTable([
  route('GET', '/bmcs'),
  route('GET', '/bmcs/:ip'),
  route('PUT', '/bmcs/:ip/faults'),
  route('PUT', '/targets/:iqn/luns/:lun'),
  route('*', '/targets/**'),
]);
const match = (method: string, path: string) => {
  const found = table.match(method, path.split('/').filter(Boolean));
  return found && { path: found.route.path, params: found.params };
};

t.test('a route matches its method and its segments, and names the :segments', async (t) => {
  t.same(match('GET', '/bmcs'), { path: '/bmcs', params: {} });
  t.same(match('GET', '/bmcs/127.1.0.1'), { path: '/bmcs/:ip', params: { ip: '127.1.0.1' } });
  t.same(match('PUT', '/bmcs/127.1.0.1/faults'), { path: '/bmcs/:ip/faults', params: { ip: '127.1.0.1' } });
  t.same(match('PUT', '/targets/iqn.x:y/luns/3'), { path: '/targets/:iqn/luns/:lun', params: { iqn: 'iqn.x:y', lun: '3' } });
});

t.test('no match: another method, another literal, more or fewer segments', async (t) => {
  t.equal(match('DELETE', '/bmcs'), null);
  t.equal(match('PUT', '/bmcs/127.1.0.1/power'), null);
  t.equal(match('GET', '/bmcs/127.1.0.1/faults/x'), null);
  t.equal(match('GET', '/'), null);
});

t.test('a last ** takes any method and any number of segments, none included; earlier routes win', async (t) => {
  t.same(match('PATCH', '/targets'), { path: '/targets/**', params: {} });
  t.same(match('GET', '/targets/a/b/c/d'), { path: '/targets/**', params: {} });
  t.same(match('PUT', '/targets/iqn.x/foo/3'), { path: '/targets/**', params: {} }, 'not luns: the catch-all');
  t.equal(match('PUT', '/targetsx'), null);
});
