// multipart/form-data as a Redfish multipart push sends it (protocols/redfish/multipart.ts): a body curl 8 sent for
// `curl -F 'UpdateParameters={...};type=application/json' -F 'UpdateFile=@fw.bin;type=application/octet-stream'`
// (captured at a Node listener), and hostile bodies, each refused with its DecodeError code.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { decodeMultipart, multipartBoundary } from '../../protocols/redfish/multipart.js';

const CURL_TYPE = 'multipart/form-data; boundary=------------------------986681a966666905';
const CURL_BODY = Buffer.from(
  '--------------------------986681a966666905\r\nContent-Disposition: form-data; name="UpdateParameters"\r\n' +
  'Content-Type: application/json\r\n\r\n{"Targets":["/redfish/v1/Managers/1"]}\r\n' +
  '--------------------------986681a966666905\r\nContent-Disposition: form-data; name="UpdateFile"; filename="fw.bin"\r\n' +
  'Content-Type: application/octet-stream\r\n\r\nBMCFLTFW-tiny\r\n--------------------------986681a966666905--\r\n', 'latin1');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return err.code;
    throw err;
  }
  return undefined;
}

t.test('curl\'s push body: the two parts, names, file name, types and bodies', async (t) => {
  const boundary = multipartBoundary(CURL_TYPE);
  t.equal(boundary, '------------------------986681a966666905');
  const parts = decodeMultipart(CURL_BODY, boundary);
  t.equal(parts.length, 2);
  t.match(parts[0], { name: 'UpdateParameters', filename: null, contentType: 'application/json' });
  t.same(JSON.parse(Buffer.from(parts[0].body).toString()), { Targets: ['/redfish/v1/Managers/1'] });
  t.match(parts[1], { name: 'UpdateFile', filename: 'fw.bin', contentType: 'application/octet-stream' });
  t.equal(Buffer.from(parts[1].body).toString('latin1'), 'BMCFLTFW-tiny');
  t.equal(parts[1].body.buffer, CURL_BODY.buffer, 'a view into the body, not a copy');
});

t.test('a preamble, a quoted boundary, binary bytes that look like CRLF and dashes, an empty part', async (t) => {
  const binary = Buffer.from([0x0d, 0x0a, 0x2d, 0x2d, 0x58, 0x00, 0xff, 0x0d, 0x0a]);
  const body = Buffer.concat([
    Buffer.from('ignored preamble\r\n--XY\r\nContent-Disposition: form-data; name="f"; filename="a \\"b\\".bin"\r\n\r\n'),
    binary, Buffer.from('\r\n--XY  \r\ncontent-disposition: form-data; name=empty\r\n\r\n\r\n--XY--'),
  ]);
  const parts = decodeMultipart(body, multipartBoundary('Multipart/Form-Data; boundary="XY"'));
  t.equal(parts.length, 2);
  t.equal(parts[0].filename, 'a "b".bin');
  t.same(Buffer.from(parts[0].body), binary);
  t.match(parts[1], { name: 'empty', contentType: null });
  t.equal(parts[1].body.length, 0);
});

t.test('hostile bodies and types: each a DecodeError with its code', async (t) => {
  t.equal(code(() => multipartBoundary('application/json')), 'ERR_CONTENT_TYPE');
  t.equal(code(() => multipartBoundary(undefined)), 'ERR_CONTENT_TYPE');
  t.equal(code(() => multipartBoundary('multipart/form-data')), 'ERR_BOUNDARY');
  t.equal(code(() => multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)), 'ERR_BOUNDARY');
  t.equal(code(() => decodeMultipart(Buffer.from('no boundary here'), 'XY')), 'ERR_NO_DELIMITER');
  t.equal(code(() => decodeMultipart(Buffer.from('--XYjunk'), 'XY')), 'ERR_NO_DELIMITER');
  t.equal(code(() => decodeMultipart(Buffer.from('--XY\r\nContent-Disposition: form-data; name="a"\r\n\r\nbody, never closed'), 'XY')), 'ERR_UNTERMINATED');
  t.equal(code(() => decodeMultipart(Buffer.from('--XY\r\nContent-Disposition: form-data; name="a"\r\n--XY--'), 'XY')), 'ERR_PART_HEADERS');
  t.equal(code(() => decodeMultipart(Buffer.from('--XY\r\nContent-Type: text/plain\r\n\r\nx\r\n--XY--'), 'XY')), 'ERR_DISPOSITION');
  t.equal(code(() => decodeMultipart(Buffer.from('--XY\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--XY--'), 'XY')), 'ERR_DISPOSITION');
  t.equal(code(() => decodeMultipart(Buffer.from('--XY\r\n'), 'XY')), 'ERR_UNTERMINATED');
  t.equal(code(() => decodeMultipart(Buffer.alloc(0), 'XY')), 'ERR_NO_DELIMITER');
  const many = `${'--XY\r\nContent-Disposition: form-data; name="p"\r\n\r\nx\r\n'.repeat(3)}--XY--`;
  t.equal(code(() => decodeMultipart(Buffer.from(many), 'XY', 2)), 'ERR_TOO_MANY_PARTS');
  t.equal(decodeMultipart(Buffer.from(many), 'XY', 3).length, 3);
});
