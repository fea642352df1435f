import t from 'tap';
import { DecodeError, requireBytes } from '../../protocols/errors.js';

t.test('requireBytes reports field and offset', (t) => {
  const err = t.throws(() => requireBytes(Buffer.alloc(3), 2, 4, 'rmcp', 'header'));
  t.ok(err instanceof DecodeError);
  t.match(err, { protocol: 'rmcp', field: 'header', offset: 2, code: 'ERR_TRUNCATED' });
  t.doesNotThrow(() => requireBytes(Buffer.alloc(3), 0, 3, 'rmcp', 'header'));
  t.end();
});
