// `bmcfleet isns serve` takes every bound of emulator/isns/limits.ts as an option, lists them with their
// defaults in --help, and refuses values out of range (exit 2).
import t from 'tap';
import { runIsns as run, serveIsns } from '../helpers/isns-cli.js';
import { REGISTRY_LIMITS, SERVER_LIMITS } from '../../emulator/isns/limits.js';

const SERVER = '127.25.17.71:17461';

t.test('help lists every limit with its default', async (t) => {
  const r = await run('serve', '--help');
  t.equal(r.code, 0);
  for (const [name, spec] of Object.entries({ ...SERVER_LIMITS, ...REGISTRY_LIMITS })) {
    const option = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    t.match(r.out, new RegExp(`--${option} N [^]*?\\(default ${spec.default}\\)`), option);
  }
});

t.test('a limit given on the command line holds; one out of range is a usage error', async (t) => {
  const s = await serveIsns(SERVER, '--max-entities-per-source', '1', '--max-connections-per-source', '4');
  t.teardown(() => { s.child.kill('SIGKILL'); });
  let r = await run('register', '--server', SERVER, '--name', 'iqn.lim:a', '--type', 'target');
  t.equal(r.code, 0, r.err);
  r = await run('register', '--server', SERVER, '--name', 'iqn.lim:b', '--type', 'target');
  t.equal(r.code, 1, 'a second entity from this address is over --max-entities-per-source 1');
  t.match(r.err, /the server refused: DevAttrReg: status 11/);
  r = await run('serve', '--listen', '127.25.17.71:17462', '--max-output-bytes', '10');
  t.equal(r.code, 2);
  t.match(r.err, /--max-output-bytes must be a whole number from 65536 to/);
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0);
});
