// The SLPv2 codec (protocols/slp) against messages laid out by hand from RFC 2608's figures: the header (§8),
// SrvRqst (§8.1), SrvRply with a URL Entry (§8.2, §4.3), SrvReg (§8.3), SrvAck (§8.4), DAAdvert (§8.5),
// AttrRqst/AttrRply (§10.3-10.4), SrvDeReg (§10.6); then the malformed inputs and their DecodeError codes.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { Flag, FunctionId, SlpError } from '../../protocols/slp/header.js';
import { decodeMessage, encodeMessage, type SlpMessage } from '../../protocols/slp/message.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+|\|.*$/gm, ''), 'hex');

// A UA's multicast SrvRqst for iSNS servers, as open-isns's SLPFindSrvs("iscsi:sms", "", "(protocols=isns)") asks.
const SRV_RQST = hex(`
  02 01 000042 2000 000000 1234 0002 656e    | version 2, SrvRqst, length 66, R flag, no extensions, XID 1234h, "en"
  0000                                       | <PRList> empty
  0011 736572766963653a69736373693a736d73    | "service:iscsi:sms"
  0007 44454641554c54                        | "DEFAULT"
  0010 2870726f746f636f6c733d69736e7329      | "(protocols=isns)"
  0000                                       | <SLP SPI> empty
`);

// The SA's reply: one URL Entry, lifetime 10800 s (2A30h), no URL authentication blocks.
const SRV_RPLY = hex(`
  02 02 00003c 0000 000000 1234 0002 656e    | SrvRply, length 60
  0000 0001                                  | error 0, one URL entry
  00 2a30 0022 736572766963653a69736373693a736d733a2f2f3132372e302e302e313a33323035 00
                                             | reserved, lifetime, "service:iscsi:sms://127.0.0.1:3205", 0 auths
`);

const SRV_REG = hex(`
  02 03 000081 4000 000000 0007 0002 656e    | SrvReg, length 129, F (fresh)
  00 2a30 0022 736572766963653a69736373693a736d733a2f2f3132372e302e302e313a33323035 00
  0011 736572766963653a69736373693a736d73    | "service:iscsi:sms"
  0007 44454641554c54                        | "DEFAULT"
  002a 286465736372697074696f6e3d69534e5320536572766572292c2870726f746f636f6c733d69736e7329
                                             | "(description=iSNS Server),(protocols=isns)"
  00                                         | no attribute auth blocks
`);

t.test('SrvRqst: every field where §8.1 puts it, and it encodes back to the same bytes', async (t) => {
  const m = decodeMessage(SRV_RQST);
  t.same(m, {
    flags: Flag.REQUEST_MCAST, xid: 0x1234, langTag: 'en',
    body: { functionId: FunctionId.SRV_RQST, previousResponders: [], serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], predicate: '(protocols=isns)', spi: '' },
  });
  t.same(encodeMessage(m), SRV_RQST);
});

t.test('SrvRply with a URL Entry (§4.3)', async (t) => {
  const m = decodeMessage(SRV_RPLY);
  t.same(m.body, { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [{ lifetime: 10800, url: 'service:iscsi:sms://127.0.0.1:3205', auths: [] }] });
  t.same(encodeMessage(m), SRV_RPLY);
});

t.test('SrvReg (§8.3) and its SrvAck (§8.4)', async (t) => {
  const m = decodeMessage(SRV_REG);
  t.equal(m.flags, Flag.FRESH);
  t.same(m.body, {
    functionId: FunctionId.SRV_REG, url: { lifetime: 10800, url: 'service:iscsi:sms://127.0.0.1:3205', auths: [] },
    serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], attributes: '(description=iSNS Server),(protocols=isns)', attrAuths: [],
  });
  t.same(encodeMessage(m), SRV_REG);
  const ack = hex('02 05 000012 0000 000000 0007 0002 656e 0000');
  t.same(decodeMessage(ack).body, { functionId: FunctionId.SRV_ACK, errorCode: 0 });
  t.same(encodeMessage({ flags: 0, xid: 7, langTag: 'en', body: { functionId: FunctionId.SRV_ACK, errorCode: SlpError.OK } }), ack);
});

t.test('DAAdvert (§8.5): boot timestamp, URL, scopes, empty attributes and SPI list', async (t) => {
  const bytes = hex(`
    02 08 000049 0000 000000 0000 0002 656e
    0000 6553f100                            | error 0, stateless boot timestamp
    0023 736572766963653a6469726563746f72792d6167656e743a2f2f3132372e302e302e31
                                             | "service:directory-agent://127.0.0.1"
    0007 44454641554c54 0000 0000 00         | "DEFAULT", <attr-list>, <SLP SPI List>, no auths
  `);
  const m = decodeMessage(bytes);
  t.same(m.body, {
    functionId: FunctionId.DA_ADVERT, errorCode: 0, bootTimestamp: 0x6553f100, url: 'service:directory-agent://127.0.0.1',
    scopes: ['DEFAULT'], attributes: '', spis: [], auths: [],
  });
  t.same(encodeMessage(m), bytes);
});

t.test('AttrRqst and AttrRply (§10.3, §10.4); SrvDeReg (§10.6)', async (t) => {
  const messages: SlpMessage[] = [
    { flags: 0, xid: 9, langTag: 'en', body: { functionId: FunctionId.ATTR_RQST, previousResponders: ['127.0.0.9'], url: 'service:iscsi:sms', scopes: ['DEFAULT', 'lab'], tags: ['protocols'], spi: '' } },
    { flags: 0, xid: 9, langTag: 'en', body: { functionId: FunctionId.ATTR_RPLY, errorCode: 0, attributes: '(protocols=isns)', attrAuths: [] } },
    { flags: 0, xid: 10, langTag: 'en', body: { functionId: FunctionId.SRV_DEREG, scopes: ['DEFAULT'], url: { lifetime: 0, url: 'service:iscsi:sms://127.0.0.1:3205', auths: [] }, tags: [] } },
    { flags: 0, xid: 11, langTag: 'de', body: { functionId: FunctionId.SRV_TYPE_RQST, previousResponders: [], namingAuthority: null, scopes: ['DEFAULT'] } },
    { flags: 0, xid: 11, langTag: 'de', body: { functionId: FunctionId.SRV_TYPE_RPLY, errorCode: 0, serviceTypes: ['service:iscsi:sms'] } },
    { flags: 0, xid: 12, langTag: 'en', body: { functionId: FunctionId.SA_ADVERT, url: 'service:service-agent://127.0.0.1', scopes: ['DEFAULT'], attributes: '', auths: [] } },
  ];
  for (const m of messages) t.same(decodeMessage(encodeMessage(m)), m, `function ${m.body.functionId} round-trips`);
  const attrRqst = encodeMessage(messages[0]);
  t.same(attrRqst.subarray(16, 27), hex('0009 3132372e302e302e39'), 'AttrRqst starts with the <PRList>');
  const typeRqst = encodeMessage(messages[3]);
  t.same(typeRqst.subarray(16, 20), hex('0000 ffff'), 'SrvTypeRqst: every naming authority is length FFFFh, no string');
});

t.test('a URL Entry with an authentication block (§9.2) keeps the block whole', async (t) => {
  const block = hex('0002 000e 00000001 0002 6162 0000'); // BSD 2, length 14, timestamp, SPI "ab", (empty authenticator)
  const m: SlpMessage = { flags: 0, xid: 1, langTag: 'en', body: { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [{ lifetime: 5, url: 'service:x://a', auths: [block] }] } };
  t.same(decodeMessage(encodeMessage(m)), m);
});

t.test('malformed messages raise DecodeError with a stable code', async (t) => {
  const code = (b: Buffer) => {
    try {
      decodeMessage(b);
      return 'decoded';
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      t.equal(err.protocol, 'slp');
      return err.code;
    }
  };
  const withByte = (b: Buffer, at: number, v: number) => { const c = Buffer.from(b); c[at] = v; return c; };
  t.equal(code(withByte(SRV_RQST, 0, 1)), 'ERR_VERSION', 'SLPv1');
  t.equal(code(SRV_RQST.subarray(0, 40)), 'ERR_LENGTH', 'cut short: Length says more');
  t.equal(code(Buffer.concat([SRV_RQST, Buffer.alloc(1)])), 'ERR_LENGTH', 'a byte more than Length');
  t.equal(code(hex('02 01 00000a 0000')), 'ERR_LENGTH');
  t.equal(code(hex('02 01 000005')), 'ERR_TRUNCATED', 'header cut short');
  t.equal(code(withByte(SRV_RQST, 1, 42)), 'ERR_FUNCTION');
  t.equal(code(withByte(SRV_RQST, 19, 0x30)), 'ERR_TRUNCATED', 'service type length runs past the end');
  t.equal(code(withByte(SRV_RQST, 9, 0x08)), 'ERR_EXTENSION', 'extension offset inside the header');
  const trailing = Buffer.concat([SRV_RPLY, Buffer.alloc(1)]);
  trailing[4] += 1; // Length counts the extra byte: the body ends before it
  t.equal(code(trailing), 'ERR_TRAILING');
  const badUtf8 = Buffer.from(SRV_RQST);
  badUtf8[20] = 0xff;
  t.equal(code(badUtf8), 'ERR_UTF8');
  const shortAuth = Buffer.from(SRV_RPLY);
  shortAuth[shortAuth.length - 1] = 1; // one auth block announced, none there
  t.equal(code(shortAuth), 'ERR_TRUNCATED');
});
