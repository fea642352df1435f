// The bmcfleet virtual-media OEM commands' bytes (README "The bmcfleet OEM commands: virtual media").
import t from 'tap';
import { GetVirtualMediaStatus, MediaState, SetVirtualMedia } from '../../protocols/ipmi/oem/virtual-media.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('Set Virtual Media: IANA, drive, action, source; the answer is the drive\'s generation', (t) => {
  const bytes = hex(SetVirtualMedia.encodeRequest({ drive: 0, action: 1, source: 'a.iso' }));
  t.equal(bytes, 'd97e000001' + '05' + Buffer.from('a.iso').toString('hex'));
  t.same(SetVirtualMedia.decodeRequest(Buffer.from(bytes, 'hex')), { drive: 0, action: 1, source: 'a.iso' });
  t.same(SetVirtualMedia.decodeRequest(Buffer.from('d97e00010000', 'hex')), { drive: 1, action: 0, source: '' }, 'an eject');
  const answer = SetVirtualMedia.encodeResponse({ generation: 258 });
  t.equal(hex(answer), 'd97e0002010000');
  t.same(SetVirtualMedia.decodeResponse(answer, { drive: 0, action: 1, source: '' }), { generation: 258 });
  t.end();
});

t.test('a source longer than 200 bytes is refused when encoding, never cut to another name', (t) => {
  t.throws(() => SetVirtualMedia.encodeRequest({ drive: 0, action: 1, source: 'x'.repeat(201) }), RangeError);
  const long = Buffer.concat([Buffer.from('d97e000001', 'hex'), Buffer.from([201]), Buffer.alloc(201, 0x61)]);
  t.throws(() => SetVirtualMedia.decodeRequest(long), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('malformed requests: another IANA, truncated, trailing bytes', (t) => {
  t.throws(() => SetVirtualMedia.decodeRequest(Buffer.from('0102030001', 'hex')), { code: 'ERR_IANA' });
  t.throws(() => SetVirtualMedia.decodeRequest(Buffer.from('d97e000001', 'hex')), { code: 'ERR_TRUNCATED' });
  t.throws(() => SetVirtualMedia.decodeRequest(Buffer.from('d97e0000010461', 'hex')), { code: 'ERR_TRUNCATED' }, 'a source shorter than its length byte');
  t.throws(() => GetVirtualMediaStatus.decodeRequest(Buffer.from('d97e000000', 'hex')), { code: 'ERR_TRAILING' });
  t.end();
});

t.test('Get Virtual Media Status round-trips every field; an unknown state is ERR_ENUM', (t) => {
  const status = {
    drive: 1, state: MediaState.INSERTED, generation: 3, blockSize: 512, blocks: 2 ** 40, readOnly: false, hostAttached: true,
    source: 'http://127.0.0.1:8080/disk.img', error: '',
  };
  const bytes = GetVirtualMediaStatus.encodeResponse(status);
  t.equal(hex(bytes.subarray(0, 11)), 'd97e00' + '01' + '02' + '03000000' + '0002');
  t.same(GetVirtualMediaStatus.decodeResponse(bytes, { drive: 1 }), status);
  const bad = Buffer.from(bytes);
  bad[4] = 9;
  t.throws(() => GetVirtualMediaStatus.decodeResponse(bad, { drive: 1 }), { code: 'ERR_ENUM' });
  t.ok(GetVirtualMediaStatus.encodeResponse({ ...status, source: 'y'.repeat(300), error: 'z'.repeat(300) }).length < 170, 'long strings are cut to keep the answer small');
  t.end();
});
