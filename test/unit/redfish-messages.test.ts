// The pure pieces of Redfish (protocols/redfish/): the error body of DSP0266 with Base registry messages, the JSON
// body and HTTP Basic decoders with their DecodeError codes, and the route table's path handling.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { RedfishError, errorBody, messageText } from '../../protocols/redfish/messages.js';
import { decodeBasicAuthorization, decodeJsonBody } from '../../protocols/redfish/request-body.js';
import { canonicalPath, RouteTable } from '../../emulator/redfish/dispatch.js';
import { ok, type Route } from '../../emulator/redfish/route.js';

t.test('an error body names the Base message, its text with arguments, severity and resolution', async (t) => {
  t.same(errorBody('ResourceNotFound', ['Systems', '/redfish/v1/Systems/9']), {
    error: {
      code: 'Base.1.8.ResourceNotFound',
      message: 'The requested resource of type Systems named \'/redfish/v1/Systems/9\' was not found.',
      '@Message.ExtendedInfo': [{
        '@odata.type': '#Message.v1_1_1.Message', MessageId: 'Base.1.8.ResourceNotFound',
        Message: 'The requested resource of type Systems named \'/redfish/v1/Systems/9\' was not found.',
        MessageArgs: ['Systems', '/redfish/v1/Systems/9'], MessageSeverity: 'Critical', Severity: 'Critical',
        Resolution: 'Provide a valid resource identifier and resubmit the request.',
      }],
    },
  });
  t.equal(messageText('ServiceTemporarilyUnavailable', ['3']), 'The service is temporarily unavailable.  Retry in 3 seconds.');
  const e = new RedfishError(405, 'GeneralError', [], { Allow: 'GET' });
  t.match(e, { status: 405, messageId: 'GeneralError', headers: { Allow: 'GET' } });
});

t.test('JSON bodies: empty is null; malformed is a DecodeError', async (t) => {
  t.equal(decodeJsonBody(Buffer.alloc(0)), null);
  t.same(decodeJsonBody(Buffer.from('{"ResetType":"On"}')), { ResetType: 'On' });
  const e = t.throws(() => decodeJsonBody(Buffer.from('{"a": tru}'))) as DecodeError;
  t.ok(e instanceof DecodeError);
  t.match(e, { protocol: 'redfish', field: 'body', code: 'ERR_MALFORMED_JSON' });
  t.ok(e.offset >= 0 && e.offset <= 10, `at ${e.offset} (V8 names a position in some messages only)`);
});

t.test('HTTP Basic: user and password (a colon in the password kept), another scheme is null, malformed is a DecodeError', async (t) => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  t.same(decodeBasicAuthorization(`Basic ${b64('admin:pass:word')}`), { userName: 'admin', password: 'pass:word' });
  t.same(decodeBasicAuthorization(`basic  ${b64('a:')}`), { userName: 'a', password: '' });
  t.equal(decodeBasicAuthorization(undefined), null);
  t.equal(decodeBasicAuthorization('Bearer abc'), null);
  t.match(t.throws(() => decodeBasicAuthorization('Basic @@@@')), { code: 'ERR_BASIC_BASE64' });
  t.match(t.throws(() => decodeBasicAuthorization(`Basic ${b64('nocolon')}`)), { code: 'ERR_BASIC_COLON' });
});

t.test('paths: query and one trailing slash dropped; placeholders decoded; 404 and 405 with Allow', async (t) => {
  t.equal(canonicalPath('/redfish/v1/?$expand=.'), '/redfish/v1');
  t.equal(canonicalPath('/redfish/v1/Systems/1/'), '/redfish/v1/Systems/1');
  t.equal(canonicalPath('/'), '/');
  const route = (method: Route['method'], path: string): Route => ({ method, path, privilege: null, handle: () => ok({}) });
  const table = new RouteTable([route('GET', '/a/{id}'), route('PATCH', '/a/{id}'), route('GET', '/a/{id}/Actions/X.Y')]);
  t.same(table.find('GET', '/a/b%20c').params, ['b c']);
  t.equal(table.find('GET', '/a/1/Actions/X.Y').route.path, '/a/{id}/Actions/X.Y');
  t.match(t.throws(() => table.find('GET', '/a/1/Actions/XzY')), { status: 404 }, 'a dot in a path is a dot');
  t.match(t.throws(() => table.find('DELETE', '/a/1')), { status: 405, headers: { Allow: 'GET, PATCH' } });
  t.match(t.throws(() => table.find('GET', '/a/%E0%A4%A')), { status: 404, messageId: 'ResourceNotFound' }, 'malformed percent-encoding');
});
