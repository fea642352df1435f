// How an SLP Service Agent and the minimal Directory Agent answer (protocols/slp/agent.ts, directory.ts): the
// iSNS service as open-isns registers it, found by its type and predicate; scopes; the previous responder list;
// silence on multicast where RFC 2608 §6.3 wants it, errors on unicast (§7); DA registrations (§9.3, §10.6).
import t from 'tap';
import { answerRequest, type AdvertisedService, type AnswerContext } from '../../protocols/slp/agent.js';
import { parseAttributeList } from '../../protocols/slp/attributes.js';
import { DirectoryState } from '../../protocols/slp/directory.js';
import { Flag, FunctionId, SlpError } from '../../protocols/slp/header.js';
import { decodeMessage, type SlpBody, type SlpMessage } from '../../protocols/slp/message.js';
import { serviceAddress, serviceTypeMatches } from '../../protocols/slp/service-url.js';

const ISNS: AdvertisedService = {
  url: 'service:iscsi:sms://127.0.0.1:3205', lifetime: 10800, serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], langTag: 'en',
  attributes: parseAttributeList('(description=iSNS Server),(protocols=isns)'),
};
const UNICAST: AnswerContext = { multicast: false, ownAddresses: ['127.0.0.1'], scopes: ['DEFAULT'], agentUrl: 'service:service-agent://127.0.0.1' };
const MULTICAST: AnswerContext = { ...UNICAST, multicast: true };

const srvRqst = (over: Partial<Extract<SlpBody, { functionId: 1 }>> = {}, langTag = 'en'): SlpMessage => ({
  flags: 0, xid: 77, langTag,
  body: { functionId: FunctionId.SRV_RQST, previousResponders: [], serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], predicate: '(protocols=isns)', spi: '', ...over },
});

function reply(req: SlpMessage, ctx = UNICAST, services = [ISNS]): SlpMessage | string {
  const a = answerRequest(req, services, ctx);
  return 'reply' in a ? decodeMessage(a.reply) : a.silence;
}

t.test('a SrvRqst for service:iscsi:sms with (protocols=isns) gets the iSNS URL', async (t) => {
  const r = reply(srvRqst()) as SlpMessage;
  t.equal(r.xid, 77);
  t.same(r.body, { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [{ lifetime: 10800, url: ISNS.url, auths: [] }] });
  t.same((reply(srvRqst({ serviceType: 'iscsi:sms', scopes: ['default'] })) as SlpMessage).body, r.body, 'without "service:", scope in another case');
  t.same((reply(srvRqst({ serviceType: 'service:iscsi', predicate: '' })) as SlpMessage).body, r.body, 'the abstract type');
  t.same((reply(srvRqst({ predicate: '(protocols=iscsi)' })) as SlpMessage).body, { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [] }, 'unicast, nothing matches: an empty reply');
  t.same((reply(srvRqst({}, 'de')) as SlpMessage).body, { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [] }, 'another language');
});

t.test('multicast: silence for nothing, for errors and for a previous responder (§6.3)', async (t) => {
  t.equal((reply(srvRqst(), MULTICAST) as SlpMessage).body.functionId, FunctionId.SRV_RPLY);
  t.equal(reply(srvRqst({ previousResponders: ['127.0.0.9', '127.0.0.1'] }), MULTICAST), 'previous-responder');
  t.equal(reply(srvRqst({ predicate: '(protocols=iscsi)' }), MULTICAST), 'no-match');
  t.equal(reply(srvRqst({ scopes: ['lab'] }), MULTICAST), 'error-to-multicast');
  t.equal(reply({ ...srvRqst({ scopes: ['lab'] }), flags: Flag.REQUEST_MCAST }), 'error-to-multicast', 'the R flag counts as multicast');
});

t.test('unicast errors (§7): scope, predicate, authentication, registration to an SA', async (t) => {
  const code = (m: SlpMessage) => (reply(m) as { body: { errorCode: number } }).body.errorCode;
  t.equal(code(srvRqst({ scopes: ['lab'] })), SlpError.SCOPE_NOT_SUPPORTED);
  t.equal(code(srvRqst({ predicate: '(protocols=isns' })), SlpError.PARSE_ERROR);
  t.equal(code(srvRqst({ spi: 'mySPI' })), SlpError.AUTHENTICATION_UNKNOWN);
  const reg: SlpMessage = { flags: Flag.FRESH, xid: 1, langTag: 'en', body: { functionId: FunctionId.SRV_REG, url: { lifetime: 60, url: 'service:x://a', auths: [] }, serviceType: 'service:x', scopes: ['DEFAULT'], attributes: '', attrAuths: [] } };
  t.same((reply(reg) as SlpMessage).body, { functionId: FunctionId.SRV_ACK, errorCode: SlpError.MSG_NOT_SUPPORTED });
});

t.test('AttrRqst, SrvTypeRqst and service:service-agent', async (t) => {
  const attr: SlpMessage = { flags: 0, xid: 2, langTag: 'en', body: { functionId: FunctionId.ATTR_RQST, previousResponders: [], url: ISNS.url, scopes: ['DEFAULT'], tags: [], spi: '' } };
  t.same((reply(attr) as SlpMessage).body, { functionId: FunctionId.ATTR_RPLY, errorCode: 0, attributes: '(description=iSNS Server),(protocols=isns)', attrAuths: [] });
  const byType: SlpMessage = { ...attr, body: { ...attr.body, url: 'service:iscsi:sms', tags: ['protocols'] } as SlpBody };
  t.same((reply(byType) as SlpMessage).body, { functionId: FunctionId.ATTR_RPLY, errorCode: 0, attributes: '(protocols=isns)', attrAuths: [] });
  const types: SlpMessage = { flags: 0, xid: 3, langTag: 'en', body: { functionId: FunctionId.SRV_TYPE_RQST, previousResponders: [], namingAuthority: null, scopes: ['DEFAULT'] } };
  t.same((reply(types) as SlpMessage).body, { functionId: FunctionId.SRV_TYPE_RPLY, errorCode: 0, serviceTypes: ['service:iscsi:sms'] });
  const sa = reply(srvRqst({ serviceType: 'service:service-agent', predicate: '' })) as SlpMessage;
  t.same(sa.body, { functionId: FunctionId.SA_ADVERT, url: 'service:service-agent://127.0.0.1', scopes: ['DEFAULT'], attributes: '', auths: [] });
});

t.test('a reply longer than the MTU is cut short and flagged OVERFLOW (§6.1)', async (t) => {
  const many = Array.from({ length: 60 }, (_, i) => ({ ...ISNS, url: `service:iscsi:sms://127.0.${i}.1:3205` }));
  const r = reply(srvRqst(), UNICAST, many) as SlpMessage & { body: { urls: unknown[] } };
  t.equal(r.flags & Flag.OVERFLOW, Flag.OVERFLOW);
  t.ok(r.body.urls.length > 0 && r.body.urls.length < 60, `${r.body.urls.length} of 60 fit`);
});

t.test('service URLs and types', async (t) => {
  t.same(serviceAddress('service:iscsi:sms://127.0.0.1:3205'), { host: '127.0.0.1', port: 3205 });
  t.same(serviceAddress('service:iscsi:sms://isns.example'), { host: 'isns.example', port: null });
  t.same(serviceAddress('service:iscsi:sms://[::1]:3205/path'), { host: '::1', port: 3205 });
  t.equal(serviceAddress('service:iscsi:sms'), null);
  t.equal(serviceAddress('service:iscsi:sms://h:99999'), null);
  t.ok(serviceTypeMatches('service:iscsi', 'service:iscsi:sms'));
  t.notOk(serviceTypeMatches('service:iscsi:sms', 'service:iscsi'));
  t.notOk(serviceTypeMatches('service:isc', 'service:iscsi:sms'));
});

t.test('the Directory Agent: SrvReg, SrvRqst answered from it, updates, SrvDeReg, expiry, DAAdvert', async (t) => {
  const da = new DirectoryState({ url: 'service:directory-agent://127.0.0.1', scopes: ['DEFAULT'], bootTimestamp: 1_700_000_000, maxRegistrations: 2 });
  const ctx = { multicast: false, ownAddresses: ['127.0.0.1'] };
  const ack = (m: SlpMessage, now = 0) => {
    const a = da.handle(m, now, ctx);
    return 'reply' in a ? (decodeMessage(a.reply).body as { errorCode: number }).errorCode : a.silence;
  };
  const reg = (flags: number, attributes: string, url = ISNS.url, lifetime = 60): SlpMessage => ({
    flags, xid: 5, langTag: 'en',
    body: { functionId: FunctionId.SRV_REG, url: { lifetime, url, auths: [] }, serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], attributes, attrAuths: [] },
  });
  t.equal(ack(reg(0, '(protocols=isns)')), SlpError.INVALID_UPDATE, 'an update of nothing');
  t.equal(ack(reg(Flag.FRESH, '(protocols=isns)')), SlpError.OK);
  t.equal(ack(reg(Flag.FRESH, '(protocols=isns')), SlpError.PARSE_ERROR);
  t.equal(ack(reg(Flag.FRESH, '', ISNS.url, 0)), SlpError.INVALID_REGISTRATION, 'lifetime 0');
  t.equal(ack({ ...reg(Flag.FRESH, ''), body: { ...reg(Flag.FRESH, '').body, scopes: ['lab'] } as SlpBody }), SlpError.SCOPE_NOT_SUPPORTED);
  t.equal(ack(reg(0, '(description=iSNS Server)')), SlpError.OK, 'an update adds attributes');
  const found = da.handle(srvRqst({ predicate: '(&(protocols=isns)(description=iSNS Server))' }), 1000, ctx);
  t.same('reply' in found && decodeMessage(found.reply).body, { functionId: FunctionId.SRV_RPLY, errorCode: 0, urls: [{ lifetime: 60, url: ISNS.url, auths: [] }] });
  t.equal(ack(reg(Flag.FRESH, '', 'service:iscsi:sms://127.0.0.2:3205')), SlpError.OK);
  t.equal(ack(reg(Flag.FRESH, '', 'service:iscsi:sms://127.0.0.3:3205')), SlpError.DA_BUSY_NOW, 'registrations are bounded');
  const dereg: SlpMessage = { flags: 0, xid: 6, langTag: 'en', body: { functionId: FunctionId.SRV_DEREG, scopes: ['DEFAULT'], url: { lifetime: 0, url: 'service:iscsi:sms://127.0.0.2:3205', auths: [] }, tags: [] } };
  t.equal(ack(dereg), SlpError.OK);
  t.equal(ack(dereg), SlpError.INVALID_REGISTRATION, 'already gone');
  t.equal(da.services(59_999).length, 1);
  t.equal(da.services(60_000).length, 0, 'expired after its lifetime');
  const advert = da.handle(srvRqst({ serviceType: 'service:directory-agent', predicate: '' }), 0, ctx);
  t.same('reply' in advert && decodeMessage(advert.reply).body, {
    functionId: FunctionId.DA_ADVERT, errorCode: 0, bootTimestamp: 1_700_000_000, url: 'service:directory-agent://127.0.0.1', scopes: ['DEFAULT'], attributes: '', spis: [], auths: [],
  });
  t.equal(ack({ ...reg(Flag.FRESH, ''), flags: Flag.FRESH }, 0) === SlpError.OK, true);
  t.equal(da.handle(reg(Flag.FRESH, ''), 0, { ...ctx, multicast: true }).hasOwnProperty('silence'), true, 'registrations by multicast are ignored');
});
