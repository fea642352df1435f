// iSNS codec: every PDU of the real isnsadm-vs-isnsd capture (test/vectors/isns) decodes to what tshark
// showed and re-encodes to the same bytes (IPv4 addresses aside: we write the RFC's ::ffff: form), plus
// the value kinds, header flags, names, and the typed errors for hostile input.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { loadFrames } from '../helpers/vectors.js';
import { withMappedAddresses } from '../helpers/isns-vectors.js';
import { Flag, HEADER_LENGTH, decodeHeader, decodePdu, describeFlags, encodePdu } from '../../protocols/isns/header.js';
import { FunctionId, functionName, isResponse, responseIdFor } from '../../protocols/isns/functions.js';
import { Status, statusName } from '../../protocols/isns/status.js';
import { NodeType, Tag, tagName } from '../../protocols/isns/attributes.js';
import { attr, decodeAttributes, encodeAttributes, findAttribute, stringValue, u32Value, type IsnsAttribute } from '../../protocols/isns/tlv.js';
import { canonicalIsnsAddress, encodeIsnsAddress, formatIsnsAddress } from '../../protocols/isns/ip-address.js';
import { decodeRequestBody, decodeResponseBody, encodeRequestBody, encodeResponseBody, errorResponseBody } from '../../protocols/isns/message.js';
import { decodeMessage, encodeMessage, type IsnsMessage, type IsnsRequest, type IsnsResponse } from '../../protocols/isns/codec.js';
import { decodeHeartbeat, encodeHeartbeat } from '../../protocols/isns/heartbeat.js';
import { LunState, LunTag, isBmcfleetLun, lunAttributes, parseLuns } from '../../protocols/isns/vendor-lun.js';

const frames = loadFrames('isns/isnsadm-vs-isnsd.json');
const fromServer = (f: { from: string }) => f.from === 'server';


t.test('vectors: 30 PDUs, one per TCP segment, client and server alternating', (t) => {
  t.equal(frames.length, 30);
  t.equal(frames.filter((f) => fromServer(f)).length, 15);
  t.end();
});

for (const f of frames) {
  t.test(`frame ${f.n} ${f.info}`, (t) => {
    const pdu = decodePdu(f.bytes);
    const h = pdu.header;
    t.equal(h.version, 1, 'iSNSP version 1');
    t.equal(h.pduLength, f.bytes.length - HEADER_LENGTH, 'PDU Length counts the payload only');
    t.equal(h.flags, (fromServer(f) ? Flag.SERVER : Flag.CLIENT) | Flag.FIRST_PDU | Flag.LAST_PDU, describeFlags(h.flags));
    t.equal(h.sequenceId, 0);
    t.equal(isResponse(h.functionId), fromServer(f), 'responses come from the server');
    // tshark calls DevDereg "DeregDev"; otherwise the names are the RFC's
    t.equal(functionName(h.functionId).replace('DevDereg', 'DeregDev'), f.info);
    const msg = decodeMessage({ ...h, payload: pdu.payload });
    const again = encodeMessage(msg);
    t.equal(again.length, 1, 'one PDU');
    t.same(again[0].toString('hex'), withMappedAddresses(f.bytes).toString('hex'), 're-encodes to the captured bytes');
    t.same(decodeMessage({ ...decodePdu(again[0]).header, payload: decodePdu(again[0]).payload }), msg, 'decodes again to the same value');
    t.end();
  });
}

t.test('frame 4: DevAttrReg of target1 by isnsadm', (t) => {
  const f = frames.find((x) => x.n === 4)!;
  const pdu = decodePdu(f.bytes);
  const m = decodeMessage({ ...pdu.header, payload: pdu.payload }) as IsnsRequest;
  t.equal(m.kind, 'request');
  t.same(m.source, attr(Tag.ISCSI_NAME, 'iqn.2024-01.test.lab:target1'));
  t.same(m.key, [attr(Tag.ENTITY_IDENTIFIER, null)], 'zero-length Entity ID key, no Entity Protocol');
  t.same(m.operating, [
    attr(Tag.ISCSI_NAME, 'iqn.2024-01.test.lab:target1'),
    attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET),
    attr(Tag.ISCSI_ALIAS, 'disk1'),
    attr(Tag.PORTAL_IP_ADDRESS, '127.0.0.2'),
    attr(Tag.PORTAL_PORT, { port: 3260, udp: false }),
  ]);
  t.notOk(m.noDelimiter);
  t.end();
});

t.test('frame 6: DevAttrRegRsp from isnsd', (t) => {
  const f = frames.find((x) => x.n === 6)!;
  const pdu = decodePdu(f.bytes);
  const m = decodeMessage({ ...pdu.header, payload: pdu.payload }) as IsnsResponse;
  t.equal(m.kind, 'response');
  t.equal(m.status, Status.SUCCESSFUL);
  t.same(m.key, [attr(Tag.ENTITY_IDENTIFIER, 'isns.entity.0001')]);
  t.equal(stringValue(m.operating, Tag.ENTITY_IDENTIFIER), 'isns.entity.0001');
  t.equal(u32Value(m.operating, Tag.ENTITY_PROTOCOL), 2, 'iSCSI');
  t.equal(u32Value(m.operating, Tag.REGISTRATION_PERIOD), 7200);
  t.equal(u32Value(m.operating, Tag.PORTAL_INDEX), 3);
  t.same(findAttribute(m.operating, Tag.PORTAL_IP_ADDRESS)?.value, '127.0.0.2');
  t.end();
});

t.test('frame 69: DevGetNextRsp is status 9 alone, no delimiter', (t) => {
  const f = frames.find((x) => x.n === 69)!;
  const body = decodeResponseBody(decodePdu(f.bytes).payload);
  t.same(body, { status: Status.NO_SUCH_ENTRY, key: [], operating: [], noDelimiter: true });
  t.same(encodeResponseBody(errorResponseBody(9)), decodePdu(f.bytes).payload);
  t.end();
});

t.test('frame 46: DDRegRsp has an empty key, then the DD with its members', (t) => {
  const f = frames.find((x) => x.n === 46)!;
  const body = decodeResponseBody(decodePdu(f.bytes).payload);
  t.same(body.key, []);
  t.equal(u32Value(body.operating, Tag.DD_ID), 1);
  t.same(body.operating.filter((a) => a.tag === Tag.DD_MEMBER_ISCSI_NAME).map((a) => a.value),
    ['iqn.2024-01.test.lab:host1', 'iqn.2024-01.test.lab:target1']);
  t.same(findAttribute(body.operating, Tag.DD_FEATURES), attr(Tag.DD_FEATURES, 0), 'DD_Features 0: no boot list');
  t.end();
});

t.test('strings are NUL-terminated and padded to 4 bytes; the length counts the padding', (t) => {
  t.equal(encodeAttributes([attr(Tag.ISCSI_ALIAS, 'abc')]).toString('hex'), '00000022' + '00000004' + '61626300');
  t.equal(encodeAttributes([attr(Tag.ISCSI_ALIAS, 'abcd')]).toString('hex'), '00000022' + '00000008' + '6162636400000000');
  t.equal(encodeAttributes([attr(Tag.ISCSI_ALIAS, '')]).toString('hex'), '00000022' + '00000004' + '00000000', 'empty string is one NUL');
  t.equal(encodeAttributes([attr(Tag.ISCSI_ALIAS, 'é')]).toString('hex'), '00000022' + '00000004' + 'c3a90000', 'UTF-8');
  t.same(decodeAttributes(encodeAttributes([attr(Tag.ISCSI_ALIAS, 'é')])), [attr(Tag.ISCSI_ALIAS, 'é')]);
  t.same(decodeAttributes(Buffer.from('0000002200000004616263ff', 'hex')), [attr(Tag.ISCSI_ALIAS, 'abc\ufffd')], 'no NUL: all bytes, bad UTF-8 replaced');
  t.throws(() => encodeAttributes([attr(Tag.ISCSI_ALIAS, 'a\0b')]), TypeError);
  t.throws(() => encodeAttributes([attr(Tag.ISCSI_ALIAS, 5)]), TypeError);
  t.end();
});

t.test('fixed-size kinds: u32, u64 timestamp, port with the UDP bit, version range, ip', (t) => {
  const list: IsnsAttribute[] = [
    attr(Tag.REGISTRATION_PERIOD, 0xfffffffe),
    attr(Tag.TIMESTAMP, 1_700_000_000n),
    attr(Tag.PORTAL_PORT, { port: 3205, udp: true }),
    attr(Tag.ESI_PORT, { port: 65535, udp: false }),
    attr(Tag.PROTOCOL_VERSION_RANGE, { max: 3, min: 1 }),
    attr(Tag.MGMT_IP_ADDRESS, '2001:db8::7'),
  ];
  const bytes = encodeAttributes(list);
  t.equal(bytes.toString('hex'),
    '00000006' + '00000004' + 'fffffffe' +
    '00000004' + '00000008' + '000000006553f100' +
    '00000011' + '00000004' + '00010c85' +
    '00000014' + '00000004' + '0000ffff' +
    '00000005' + '00000004' + '00030001' +
    '00000003' + '00000010' + '20010db8000000000000000000000007');
  t.same(decodeAttributes(bytes), list);
  t.same(decodeAttributes(encodeAttributes([attr(Tag.TIMESTAMP, 5)])), [attr(Tag.TIMESTAMP, 5n)], 'u64 accepts a safe number, decodes to bigint');
  t.same(decodeAttributes(Buffer.from('00000011000000048001' + '0cbc', 'hex')), [attr(Tag.PORTAL_PORT, { port: 3260, udp: true })], 'reserved port bits ignored');
  t.throws(() => encodeAttributes([attr(Tag.REGISTRATION_PERIOD, -1)]), TypeError);
  t.throws(() => encodeAttributes([attr(Tag.REGISTRATION_PERIOD, 2 ** 32)]), TypeError);
  t.throws(() => encodeAttributes([attr(Tag.PORTAL_PORT, { port: 70000, udp: false })]), TypeError);
  t.throws(() => encodeAttributes([attr(Tag.DELIMITER, 1)]), TypeError);
  t.throws(() => encodeAttributes([attr(Tag.ENTITY_CERTIFICATE, 'x')]), TypeError, 'opaque takes bytes');
  t.end();
});

t.test('zero-length values, unknown and vendor tags, raw bytes for any tag', (t) => {
  const list = [attr(Tag.ISCSI_NAME), attr(Tag.PG_TAG), attr(0xfffffff0, Buffer.from('01020304', 'hex')), attr(700, Buffer.from('aabbccdd', 'hex'))];
  const bytes = encodeAttributes(list);
  t.same(decodeAttributes(bytes).map((a) => ({ tag: a.tag, value: a.value instanceof Uint8Array ? Buffer.from(a.value).toString('hex') : a.value })),
    [{ tag: 32, value: null }, { tag: 51, value: null }, { tag: 0xfffffff0, value: '01020304' }, { tag: 700, value: 'aabbccdd' }]);
  t.equal(tagName(700), 'vendor tag 700');
  t.equal(tagName(5000), 'tag 5000');
  t.equal(encodeAttributes([attr(Tag.ISCSI_NODE_TYPE, Buffer.from('01', 'hex'))]).toString('hex'), '00000021' + '00000004' + '01000000', 'raw bytes padded');
  t.end();
});

t.test('IP addresses: ::ffff:a.b.c.d on the wire, ::a.b.c.d accepted, IPv6 as RFC 5952 text', (t) => {
  t.equal(encodeIsnsAddress('192.0.2.1').toString('hex'), '00000000000000000000ffffc0000201');
  t.equal(formatIsnsAddress(Buffer.from('00000000000000000000ffffc0000201', 'hex')), '192.0.2.1', 'IPv4-mapped');
  t.equal(formatIsnsAddress(Buffer.from('000000000000000000000000c0000201', 'hex')), '192.0.2.1', 'IPv4-compatible (isnsadm)');
  t.equal(formatIsnsAddress(Buffer.alloc(16)), '::');
  t.equal(formatIsnsAddress(encodeIsnsAddress('::1')), '::1', '::1 stays IPv6');
  t.equal(canonicalIsnsAddress('::ffff:10.1.2.3'), '10.1.2.3');
  t.equal(canonicalIsnsAddress('::127.0.0.2'), '127.0.0.2');
  t.equal(canonicalIsnsAddress('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'longest zero run, first on a tie, lower case');
  t.equal(canonicalIsnsAddress('fe80::1:2'), 'fe80::1:2');
  t.equal(canonicalIsnsAddress('1:2:3:4:5:6:7:8'), '1:2:3:4:5:6:7:8');
  t.equal(canonicalIsnsAddress('1:0:3:4:5:6:7:8'), '1:0:3:4:5:6:7:8', 'a single zero group is not compressed');
  t.throws(() => encodeIsnsAddress('300.1.1.1'), RangeError);
  t.throws(() => encodeIsnsAddress('host.example'), RangeError);
  t.end();
});

t.test('header: field order and flag bits of §5.1', (t) => {
  const h = { version: 1, functionId: FunctionId.DEV_ATTR_REG, flags: Flag.CLIENT | Flag.REPLACE | Flag.FIRST_PDU | Flag.LAST_PDU, transactionId: 0x1234, sequenceId: 0x0005 };
  const b = encodePdu(h, Buffer.from('00000000', 'hex'));
  t.equal(b.toString('hex'), '0001' + '0001' + '0004' + '9c00' + '1234' + '0005' + '00000000');
  t.same(decodeHeader(b), { ...h, pduLength: 4 });
  t.equal(describeFlags(0xfc00), 'Client, Server, Auth, Replace, Last PDU, First PDU');
  t.end();
});

t.test('function IDs: every request has its response ID; Heartbeat has none', (t) => {
  const requests = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0x11, 0x12, 0x13];
  const names = ['DevAttrReg', 'DevAttrQry', 'DevGetNext', 'DevDereg', 'SCNReg', 'SCNDereg', 'SCNEvent', 'SCN', 'DDReg', 'DDDereg',
    'DDSReg', 'DDSDereg', 'ESI', 'RqstDomId', 'RlseDomId', 'GetDomId'];
  requests.forEach((id, i) => {
    t.equal(functionName(id), names[i]);
    t.equal(responseIdFor(id), 0x8000 | id);
    t.equal(functionName(0x8000 | id), `${names[i]}Rsp`);
  });
  t.equal(functionName(FunctionId.HEARTBEAT), 'Heartbeat');
  t.equal(responseIdFor(FunctionId.HEARTBEAT), null);
  t.equal(functionName(0x800e), '0x800e', 'no Heartbeat response');
  t.equal(functionName(0x0105), 'vendor 0x0105');
  t.equal(functionName(0x0020), '0x0020');
  t.end();
});

t.test('status codes 0-23 have the RFC names', (t) => {
  t.equal(statusName(Status.SUCCESSFUL), 'Successful');
  t.equal(statusName(Status.MESSAGE_FORMAT_ERROR), 'Message Format Error');
  t.equal(statusName(4), 'Reserved');
  t.equal(statusName(Status.NO_SUCH_ENTRY), 'No Such Entry');
  t.equal(statusName(Status.MESSAGE_NOT_SUPPORTED), 'Message (FUNCTION_ID) Not Supported');
  t.equal(statusName(Status.REGISTRATION_FEATURE_NOT_SUPPORTED), 'Registration Feature Not Supported');
  t.equal(statusName(24), 'Reserved (24)');
  t.equal(Object.keys(Status).length, 23, 'every code but the reserved 4');
  t.end();
});

t.test('request body: source, key, delimiter, operating; delimiter optional only without operating attributes', (t) => {
  const body = { source: attr(Tag.ISCSI_NAME, 'iqn.x'), key: [attr(Tag.ENTITY_IDENTIFIER, 'e1')], operating: [attr(Tag.PORTAL_INDEX, 1)] };
  const b = encodeRequestBody(body);
  t.same(decodeRequestBody(b), body);
  t.same(decodeRequestBody(encodeRequestBody({ source: null, key: [], operating: [attr(Tag.DD_ID, 3)] })),
    { source: null, key: [], operating: [attr(Tag.DD_ID, 3)] }, 'a body that opens with the delimiter has no source');
  t.same(decodeRequestBody(Buffer.alloc(0)), { source: null, key: [], operating: [], noDelimiter: true });
  t.throws(() => encodeRequestBody({ ...body, noDelimiter: true }), RangeError);
  t.throws(() => encodeRequestBody({ ...body, key: [attr(Tag.DELIMITER)] }), RangeError);
  t.end();
});

t.test('heartbeat: 28 fixed bytes, no TLVs', (t) => {
  const hb = { address: '192.0.2.9', tcpPort: 3205, udpPort: 3205, intervalSeconds: 60, counter: 7 };
  const b = encodeHeartbeat(hb);
  t.equal(b.toString('hex'), '00000000000000000000ffffc0000209' + '0c85' + '0c85' + '0000003c' + '00000007');
  t.same(decodeHeartbeat(b), hb);
  const pdus = encodeMessage({ kind: 'heartbeat', functionId: FunctionId.HEARTBEAT, transactionId: 1, flags: Flag.SERVER, ...hb });
  t.equal(pdus.length, 1);
  const p = decodePdu(pdus[0]);
  t.same(decodeMessage({ ...p.header, payload: p.payload }), { kind: 'heartbeat', functionId: 14, transactionId: 1, flags: 0x4c00, ...hb });
  t.end();
});

t.test('vendor LUN attributes 641-643: OUI-prefixed values, groups opened by LUN Number', (t) => {
  const luns = [{ lun: 0, sizeBytes: 8n << 30n, state: LunState.ONLINE }, { lun: 1, state: LunState.OFFLINE }];
  const list = [attr(Tag.ISCSI_NAME, 'iqn.t'), ...lunAttributes(luns)];
  const bytes = encodeAttributes(list);
  // LUN 1: tag 641, length 8, vendor word 00 42 4D 46, LUN 1; tag 643, length 8, vendor word, state 2
  t.equal(bytes.subarray(bytes.length - 32).toString('hex'),
    '00000281' + '00000008' + '00424d46' + '00000001' + '00000283' + '00000008' + '00424d46' + '00000002');
  t.same(parseLuns(decodeAttributes(bytes)), luns);
  t.same(parseLuns([attr(LunTag.NUMBER), attr(LunTag.SIZE)]), [], 'zero-length query keys are not LUNs');
  const foreign = attr(LunTag.NUMBER, Buffer.from('0000000100000007', 'hex'));
  t.same(parseLuns([foreign]), [], "another vendor's tag 641 (another OUI) is not a LUN");
  t.notOk(isBmcfleetLun(foreign));
  const order = t.throws(() => parseLuns(lunAttributes([{ lun: 0, state: 1 }]).slice(1))) as DecodeError;
  t.equal(order.code, 'ERR_LUN_ORDER', 'a LUN State before any LUN Number');
  const short = t.throws(() => parseLuns([attr(LunTag.SIZE, Buffer.from('00424d4600000001', 'hex'))])) as DecodeError;
  t.equal(short.code, 'ERR_LUN_LENGTH', 'a LUN Size of 4 bytes after the prefix');
  t.end();
});

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no DecodeError thrown');
}

t.test('hostile input: typed DecodeErrors, never a read past the end', (t) => {
  const cases: [string, () => unknown, string][] = [
    ['empty PDU', () => decodePdu(Buffer.alloc(0)), 'ERR_TRUNCATED'],
    ['11-byte header', () => decodePdu(Buffer.alloc(11)), 'ERR_TRUNCATED'],
    ['PDU Length past the end', () => decodePdu(Buffer.from('000100010008' + '8c00' + '00010000' + '00000000', 'hex')), 'ERR_TRUNCATED'],
    ['bytes after the PDU', () => decodePdu(Buffer.from('000100010000' + '8c00' + '00010000' + '00', 'hex')), 'ERR_TRAILING'],
    ['auth flag, no block', () => decodePdu(Buffer.from('000100010000' + 'ac00' + '00010000', 'hex')), 'ERR_TRUNCATED'],
    ['auth block length below its fixed part', () => decodePdu(Buffer.from('000100010000' + 'ac00' + '00010000' + '00000002' + '00000008', 'hex')), 'ERR_AUTH_LENGTH'],
    ['attribute header cut', () => decodeAttributes(Buffer.from('00000020000000', 'hex')), 'ERR_TRUNCATED'],
    ['attribute value cut', () => decodeAttributes(Buffer.from('0000002000000008' + '61620000', 'hex')), 'ERR_TRUNCATED'],
    ['length not a multiple of 4', () => decodeAttributes(Buffer.from('0000002000000003' + '61620000', 'hex')), 'ERR_ATTR_LENGTH'],
    ['huge length', () => decodeAttributes(Buffer.from('00000020fffffffc', 'hex')), 'ERR_TRUNCATED'],
    ['u32 of 8 bytes', () => decodeAttributes(Buffer.from('0000000600000008' + '0000000000000001', 'hex')), 'ERR_ATTR_LENGTH'],
    ['ip of 4 bytes', () => decodeAttributes(Buffer.from('0000001000000004' + '7f000001', 'hex')), 'ERR_ATTR_LENGTH'],
    ['delimiter with a value', () => decodeAttributes(Buffer.from('0000000000000004' + '00000000', 'hex')), 'ERR_ATTR_LENGTH'],
    ['response without status', () => decodeResponseBody(Buffer.from('0000', 'hex')), 'ERR_TRUNCATED'],
    ['heartbeat cut', () => decodeHeartbeat(Buffer.alloc(27)), 'ERR_TRUNCATED'],
  ];
  for (const [name, fn, code] of cases) {
    const e = decodeError(fn);
    t.equal(e.code, code, name);
    t.equal(e.protocol, 'isns', `${name}: protocol`);
  }
  const e = decodeError(() => decodeResponseBody(Buffer.from('00000000' + '0000002000000003' + '61620000', 'hex')));
  t.equal(e.offset, 8, 'offsets point into the payload (the bad length field)');
  t.end();
});

t.test('encodeMessage sends the flags as given, First/Last PDU added', (t) => {
  const req: IsnsMessage = { kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: 9, flags: Flag.CLIENT | Flag.REPLACE, source: attr(Tag.ISCSI_NAME, 'iqn.a'), key: [], operating: [] };
  t.equal(decodePdu(encodeMessage(req)[0]).header.flags, Flag.CLIENT | Flag.REPLACE | Flag.FIRST_PDU | Flag.LAST_PDU);
  const rsp: IsnsMessage = { kind: 'response', functionId: FunctionId.DEV_ATTR_QRY_RSP, transactionId: 9, flags: Flag.SERVER | Flag.LAST_PDU, status: 0, key: [], operating: [] };
  t.equal(decodePdu(encodeMessage(rsp)[0]).header.flags, Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU);
  t.end();
});
