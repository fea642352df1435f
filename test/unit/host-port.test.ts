// HOST:PORT as the commands and the fleet file read it (emulator/net/host-port.ts).
import t from 'tap';
import { formatHostPort, parseHostPort } from '../../runtime/host-port.js';

t.test('names, IPv4 and bracketed IPv6 addresses with a port 0-65535', (t) => {
  t.same(parseHostPort('127.0.0.1:3205'), { host: '127.0.0.1', port: 3205 });
  t.same(parseHostPort('localhost:0'), { host: 'localhost', port: 0 }, 'port 0: any free port, for listeners');
  t.same(parseHostPort('[::1]:623'), { host: '::1', port: 623 });
  t.same(parseHostPort('[::ffff:127.0.0.1]:65535'), { host: '::ffff:127.0.0.1', port: 65535 });
  t.end();
});

t.test('anything else is null, for the caller to name in its own error', (t) => {
  for (const bad of ['127.0.0.1', ':3205', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:32a', '::1:3205', '[::1]3205', '[zz]:1', 'a b:1', '127.0.0.1:-1', '']) {
    t.equal(parseHostPort(bad), null, JSON.stringify(bad));
  }
  t.end();
});

t.test('formatHostPort brackets IPv6 (RFC 3986 §3.2.2), so the text parses back and works in a URL', (t) => {
  t.equal(formatHostPort('127.0.0.1', 8623), '127.0.0.1:8623');
  t.equal(formatHostPort('localhost', 0), 'localhost:0');
  t.equal(formatHostPort('::1', 8623), '[::1]:8623');
  for (const text of ['127.0.0.1:3205', '[::1]:623', '[::ffff:127.0.0.1]:65535', 'localhost:0']) {
    const hp = parseHostPort(text)!;
    t.equal(formatHostPort(hp.host, hp.port), text, `${text} round trips`);
  }
  t.equal(new URL(`http://${formatHostPort('::1', 8623)}/metrics`).port, '8623', 'a valid URL');
  t.end();
});
