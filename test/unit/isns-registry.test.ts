// The sans-I/O iSNS server core against the real isnsd: every isnsadm request of the capture
// (test/vectors/isns) goes through IsnsRegistry in order, and our answer must be isnsd's answer byte for
// byte (IPv4 addresses aside: we write ::ffff:a.b.c.d). Then the rules the capture does not show:
// Replace, authorization, visibility, LUN attributes, malformed input, versions, expiry.
import t, { type Test } from 'tap';
import { loadFrames } from '../helpers/vectors.js';
import { withMappedAddresses } from '../helpers/isns-vectors.js';
import { Flag, decodePdu } from '../../protocols/isns/header.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { Status } from '../../protocols/isns/status.js';
import { attr, findAttribute, u32Value, type IsnsAttribute } from '../../protocols/isns/tlv.js';
import { encodeMessage, type IsnsRequest, type IsnsResponse } from '../../protocols/isns/codec.js';
import { Reassembler } from '../../protocols/isns/segments.js';
import { LunState, LunTag, lunAttributes, parseLuns } from '../../protocols/isns/vendor-lun.js';
import { IsnsRegistry } from '../../emulator/isns/registry/registry.js';

const frames = loadFrames('isns/isnsadm-vs-isnsd.json');


t.test('replaying isnsadm\'s requests gives isnsd\'s answers, byte for byte', (t) => {
  const reg = new IsnsRegistry();
  let compared = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if ((f.from as string) !== 'client') continue;
    const raw = new Reassembler().push(decodePdu(f.bytes), 0)!;
    const rsp = reg.handleRaw(raw, 1_000 * i);
    const expected = frames[i + 1];
    t.ok(rsp, `frame ${f.n} ${f.info} answered`);
    const got = Buffer.concat(encodeMessage(rsp!));
    t.equal(got.toString('hex'), withMappedAddresses(expected.bytes).toString('hex'), `frame ${expected.n} ${expected.info}`);
    compared++;
  }
  t.equal(compared, 15);
  t.end();
});

// ---------------------------------------------------------------- helpers for the rules below

let tx = 1;
function request(functionId: number, source: string | null, key: IsnsAttribute[], operating: IsnsAttribute[], flags: number = Flag.CLIENT): IsnsRequest {
  return { kind: 'request', functionId, transactionId: tx++, flags, source: source === null ? null : attr(Tag.ISCSI_NAME, source), key, operating };
}
const registerTarget = (name: string, ip: string, extra: IsnsAttribute[] = [], flags: number = Flag.CLIENT) => request(FunctionId.DEV_ATTR_REG, name,
  [attr(Tag.ENTITY_IDENTIFIER)],
  [attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET), ...extra, attr(Tag.PORTAL_IP_ADDRESS, ip), attr(Tag.PORTAL_PORT, { port: 3260, udp: false })], flags);
const registerInitiator = (name: string) => request(FunctionId.DEV_ATTR_REG, name, [], [attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NODE_TYPE, NodeType.INITIATOR)]);
const queryTargets = (source: string, want: IsnsAttribute[] = [attr(Tag.ISCSI_NAME)]) =>
  request(FunctionId.DEV_ATTR_QRY, source, [attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)], want);
const isOk = (t: Test, r: IsnsResponse | null, what: string) => t.equal(r?.status, Status.SUCCESSFUL, what);
const names = (r: IsnsResponse) => r.operating.filter((a) => a.tag === Tag.ISCSI_NAME).map((a) => a.value);

t.test('responses: ID with the top bit, same transaction, Server flag', (t) => {
  const reg = new IsnsRegistry();
  const req = registerTarget('iqn.t:a', '127.25.0.2');
  const r = reg.handle(req, 0)!;
  t.equal(r.functionId, 0x8001);
  t.equal(r.transactionId, req.transactionId);
  t.equal(r.flags, Flag.SERVER);
  t.equal(r.key[0].tag, Tag.ENTITY_IDENTIFIER);
  t.equal(reg.handle({ kind: 'heartbeat', functionId: FunctionId.HEARTBEAT, transactionId: 1, flags: Flag.SERVER, address: '::1', tcpPort: 1, udpPort: 1, intervalSeconds: 1, counter: 1 }, 0), null, 'heartbeat: no answer');
  t.equal(reg.handle({ ...r }, 0), null, 'a response: no answer');
  t.end();
});

t.test('DD visibility: initiators see targets only through a shared DD; default DD option', (t) => {
  for (const defaultDiscoveryDomain of [false, true]) {
    const reg = new IsnsRegistry({ defaultDiscoveryDomain });
    isOk(t, reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0), 'register a');
    isOk(t, reg.handle(registerTarget('iqn.t:b', '127.25.0.3'), 0), 'register b');
    isOk(t, reg.handle(registerInitiator('iqn.i:h'), 0), 'register host');
    t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), defaultDiscoveryDomain ? ['iqn.t:a', 'iqn.t:b'] : [], `before any DD (default DD ${defaultDiscoveryDomain})`);
    const dd = reg.handle(request(FunctionId.DD_REG, 'iqn.i:h', [], [attr(Tag.DD_SYMBOLIC_NAME, 'boot'), attr(Tag.DD_MEMBER_ISCSI_NAME, 'iqn.i:h'), attr(Tag.DD_MEMBER_ISCSI_NAME, 'iqn.t:b')]), 0)!;
    isOk(t, dd, 'DDReg');
    t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), ['iqn.t:b'], 'the DD shows b only');
    t.same(names(reg.handle(queryTargets('iqn.t:a'), 0)!), defaultDiscoveryDomain ? ['iqn.t:a'] : ['iqn.t:a'], 'a sees itself');
    const id = u32Value(dd.operating, Tag.DD_ID)!;
    isOk(t, reg.handle(request(FunctionId.DD_DEREG, 'iqn.i:h', [attr(Tag.DD_ID, id)], []), 0), 'DDDereg whole DD');
    t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), [], 'nothing shared any more (as in isnsd, h and b do not return to DD 0)');
    if (defaultDiscoveryDomain) t.same(names(reg.handle(queryTargets('iqn.t:a'), 0)!), ['iqn.t:a'], 'a stays in DD 0');
  }
  t.end();
});

t.test('DD Sets: a DD in sets is active only while one of them is enabled; a DD in no set is active', (t) => {
  const reg = new IsnsRegistry();
  reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0);
  reg.handle(registerInitiator('iqn.i:h'), 0);
  const dd = reg.handle(request(FunctionId.DD_REG, 'iqn.i:h', [], [attr(Tag.DD_MEMBER_ISCSI_NAME, 'iqn.i:h'), attr(Tag.DD_MEMBER_ISCSI_NAME, 'iqn.t:a')]), 0)!;
  const ddId = u32Value(dd.operating, Tag.DD_ID)!;
  t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), ['iqn.t:a'], 'in no set: active');
  const set = reg.handle(request(FunctionId.DDS_REG, 'iqn.i:h', [], [attr(Tag.DD_SET_SYMBOLIC_NAME, 'night'), attr(Tag.DD_SET_STATUS, 0), attr(Tag.DD_ID, ddId)]), 0)!;
  isOk(t, set, 'DDSReg, disabled');
  const setId = u32Value(set.key, Tag.DD_SET_ID)!;
  t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), [], 'only in a disabled set: inactive, a is hidden');
  const getNext = reg.handle(request(FunctionId.DEV_GET_NEXT, 'iqn.i:h', [attr(Tag.ISCSI_NAME, 'iqn.i:h')], []), 0)!;
  t.equal(getNext.status, Status.NO_SUCH_ENTRY, 'DevGetNext does not walk to a either');
  const other = reg.handle(request(FunctionId.DDS_REG, 'iqn.i:h', [], [attr(Tag.DD_SET_STATUS, 1), attr(Tag.DD_ID, ddId)]), 0)!;
  t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), ['iqn.t:a'], 'also in an enabled set: active');
  isOk(t, reg.handle(request(FunctionId.DDS_DEREG, 'iqn.i:h', [attr(Tag.DD_SET_ID, u32Value(other.key, Tag.DD_SET_ID)!)], []), 0), 'the enabled set goes');
  t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), [], 'inactive again');
  isOk(t, reg.handle(request(FunctionId.DDS_REG, 'iqn.i:h', [attr(Tag.DD_SET_ID, setId)], [attr(Tag.DD_SET_STATUS, 1)]), 0), 'enable the first set');
  t.same(names(reg.handle(queryTargets('iqn.i:h'), 0)!), ['iqn.t:a'], 'active');
  t.end();
});

t.test('DevGetNext over iSCSI names: byte order of their UTF-8 (as isnsd), skipping names the source may not see', (t) => {
  const reg = new IsnsRegistry();
  const names = ['iqn.t:b', 'iqn.t:a', 'iqn.t:\u00e9', 'iqn.t:\uffee', 'iqn.t:\u{1f600}', 'iqn.t:A', 'iqn.t:hidden'];
  for (const [i, n] of names.entries()) reg.handle(registerTarget(n, `127.25.0.${10 + i}`), 0);
  reg.handle(registerInitiator('iqn.i:walker'), 0);
  reg.handle(request(FunctionId.DD_REG, 'iqn.i:walker', [], [...names.filter((n) => n !== 'iqn.t:hidden'), 'iqn.i:walker'].map((n) => attr(Tag.DD_MEMBER_ISCSI_NAME, n))), 0);
  const walk: unknown[] = [];
  let key: IsnsAttribute[] = [attr(Tag.ISCSI_NAME)];
  for (;;) {
    const r = reg.handle(request(FunctionId.DEV_GET_NEXT, 'iqn.i:walker', key, []), 0)!;
    if (r.status !== Status.SUCCESSFUL) break;
    walk.push(r.key[0].value);
    key = r.key;
  }
  const byBytes = [...names.filter((n) => n !== 'iqn.t:hidden'), 'iqn.i:walker'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  t.same(walk, byBytes, 'every visible name once, in UTF-8 byte order (U+1F600 after U+FFEE), iqn.t:hidden skipped');
  t.end();
});

t.test('DevGetNext over entities and portals: key order, skipping those with no node the source may see', (t) => {
  const reg = new IsnsRegistry();
  const eidOf = (name: string) => reg.store.nodes.get(name)!.entity.eid;
  for (const [name, ip] of [['iqn.t:p1', '127.25.0.30'], ['iqn.t:p2', '127.25.0.4'], ['iqn.t:hidden', '127.25.0.9']]) reg.handle(registerTarget(name, ip), 0);
  reg.handle(registerInitiator('iqn.i:w'), 0);
  reg.handle(request(FunctionId.DD_REG, 'iqn.i:w', [], ['iqn.t:p1', 'iqn.t:p2', 'iqn.i:w'].map((n) => attr(Tag.DD_MEMBER_ISCSI_NAME, n))), 0);
  const walk = (first: IsnsAttribute[]) => {
    const out: unknown[][] = [];
    let key = first;
    for (;;) {
      const r = reg.handle(request(FunctionId.DEV_GET_NEXT, 'iqn.i:w', key, []), 0)!;
      if (r.status !== Status.SUCCESSFUL) return out;
      out.push(r.key.map((a) => (typeof a.value === 'object' && a.value !== null && 'port' in a.value ? a.value.port : a.value)));
      key = r.key;
    }
  };
  const eids = [eidOf('iqn.t:p1'), eidOf('iqn.t:p2'), eidOf('iqn.i:w')].sort();
  t.same(walk([attr(Tag.ENTITY_IDENTIFIER)]), eids.map((e) => [e]), 'entities by EID; the hidden target\'s entity is skipped');
  t.same(walk([attr(Tag.PORTAL_IP_ADDRESS), attr(Tag.PORTAL_PORT)]), [['127.25.0.4', 3260], ['127.25.0.30', 3260]],
    'portals by address bytes (.4 before .30), the hidden one skipped');
  t.end();
});

t.test('a Control node sees everything', (t) => {
  const reg = new IsnsRegistry();
  reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0);
  reg.handle(request(FunctionId.DEV_ATTR_REG, 'iqn.c:admin', [], [attr(Tag.ISCSI_NAME, 'iqn.c:admin'), attr(Tag.ISCSI_NODE_TYPE, NodeType.CONTROL)]), 0);
  t.same(names(reg.handle(queryTargets('iqn.c:admin'), 0)!), ['iqn.t:a']);
  t.end();
});

t.test('sources: absent, unknown, unauthorized', (t) => {
  const reg = new IsnsRegistry();
  t.equal(reg.handle(request(FunctionId.DEV_ATTR_REG, null, [], [attr(Tag.ISCSI_NAME, 'iqn.x'), attr(Tag.ISCSI_NODE_TYPE, 1)]), 0)!.status, Status.SOURCE_ABSENT);
  const scnFromNobody = request(FunctionId.SCN_REG, 'iqn.nobody', [attr(Tag.ISCSI_NAME, 'iqn.nobody')], [attr(Tag.ISCSI_SCN_BITMAP, 0x8)]);
  t.equal(reg.handle(scnFromNobody, 0)!.status, Status.SOURCE_UNKNOWN, 'SCNReg needs a registered source');
  reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0);
  const fromNobody = reg.handle(queryTargets('iqn.nobody'), 0)!;
  t.equal(fromNobody.status, Status.SUCCESSFUL, 'a query from an unregistered source is served (as isnsd does)');
  t.same(names(fromNobody), [], '... and sees only what DD 0 would show it: nothing without the default DD');
  reg.handle(registerTarget('iqn.t:b', '127.25.0.3'), 0);
  const eidA = reg.store.nodes.get('iqn.t:a')!.entity.eid;
  t.equal(reg.handle(request(FunctionId.DEV_DEREG, 'iqn.t:b', [], [attr(Tag.ENTITY_IDENTIFIER, eidA)]), 0)!.status, Status.SOURCE_UNAUTHORIZED, "b cannot deregister a's entity");
  t.equal(reg.handle(request(FunctionId.DEV_ATTR_REG, 'iqn.t:b', [attr(Tag.ENTITY_IDENTIFIER, eidA)], [attr(Tag.ISCSI_ALIAS, 'x')]), 0)!.status, Status.INVALID_REGISTRATION, 'an alias before any node');
  t.equal(reg.handle(request(FunctionId.DEV_ATTR_REG, 'iqn.t:b', [attr(Tag.ENTITY_IDENTIFIER, eidA)], [attr(Tag.ENTITY_PROTOCOL, 2)]), 0)!.status, Status.SOURCE_UNAUTHORIZED, "b cannot update a's entity");
  t.equal(reg.handle(request(FunctionId.DEV_ATTR_REG, 'iqn.t:b', [], [attr(Tag.ISCSI_NAME, 'iqn.t:a'), attr(Tag.ISCSI_NODE_TYPE, 1), attr(Tag.ENTITY_IDENTIFIER, 'other')]), 0)!.status,
    Status.INVALID_REGISTRATION, 'a node cannot move to another entity');
  t.end();
});

t.test('re-registration updates in place; Replace replaces the entity\'s objects', (t) => {
  const reg = new IsnsRegistry();
  const first = reg.handle(registerTarget('iqn.t:a', '127.25.0.2', [attr(Tag.ISCSI_ALIAS, 'one')]), 0)!;
  const eid = first.key[0].value;
  const again = reg.handle(registerTarget('iqn.t:a', '127.25.0.4', [attr(Tag.ISCSI_ALIAS, 'two')]), 0)!;
  t.equal(again.key[0].value, eid, 'same entity (isnsadm sends an empty EID key each time)');
  const e = reg.store.entities.get(eid as string)!;
  t.same(e.portals.map((p) => p.ip), ['127.25.0.2', '127.25.0.4'], 'portal added');
  t.equal(e.nodes[0].attrs.get(Tag.ISCSI_ALIAS), 'two');
  const keyed = registerTarget('iqn.t:a', '127.25.0.5', [], Flag.CLIENT | Flag.REPLACE);
  keyed.key = [attr(Tag.ENTITY_IDENTIFIER, eid as string)];
  isOk(t, reg.handle(keyed, 0), 'Replace with the EID in the key');
  t.same(reg.store.entities.get(eid as string)!.portals.map((p) => p.ip), ['127.25.0.5'], 'only the new portal');
  t.equal(reg.store.nodes.get('iqn.t:a')!.attrs.has(Tag.ISCSI_ALIAS), false, 'alias gone with the old node');
  const unkeyed = reg.handle(registerTarget('iqn.t:a', '127.25.0.6', [], Flag.CLIENT | Flag.REPLACE), 0)!;
  isOk(t, unkeyed, 'Replace with no EID');
  t.not(unkeyed.key[0].value, eid, 'a new entity with a new EID (as isnsd does)');
  t.notOk(reg.store.entities.has(eid as string), 'the old entity is gone');
  t.end();
});

t.test('vendor LUN attributes are stored with the node and returned when asked for', (t) => {
  const reg = new IsnsRegistry();
  const luns = [{ lun: 0, sizeBytes: 1n << 30n, state: LunState.ONLINE }, { lun: 1, sizeBytes: 4096n, state: LunState.BUSY }];
  const r = reg.handle(registerTarget('iqn.t:a', '127.25.0.2', lunAttributes(luns)), 0)!;
  isOk(t, r, 'registered');
  t.same(parseLuns(r.operating), luns, 'echoed in DevAttrRegRsp');
  reg.handle(registerInitiator('iqn.i:h'), 0);
  reg.handle(request(FunctionId.DD_REG, 'iqn.i:h', [], [attr(Tag.DD_MEMBER_ISCSI_NAME, 'iqn.i:h'), attr(Tag.DD_MEMBER_ISCSI_NAME, 'iqn.t:a')]), 0);
  const q = reg.handle(queryTargets('iqn.i:h', [attr(Tag.ISCSI_NAME), attr(LunTag.NUMBER), attr(LunTag.SIZE), attr(LunTag.STATE)]), 0)!;
  t.same(q.operating.map((a) => a.tag), [Tag.ISCSI_NAME, 641, 642, 643, 641, 642, 643]);
  t.same(parseLuns(q.operating), luns);
  t.end();
});

t.test("another vendor's tag 641 is an opaque node attribute, not a LUN; a bmcfleet LUN of the wrong length is refused", (t) => {
  const reg = new IsnsRegistry();
  const foreign = Buffer.from('00001b2100000009', 'hex'); // another OUI, its own meaning
  const r = reg.handle(registerTarget('iqn.t:v', '127.25.0.2', [attr(LunTag.NUMBER, foreign), ...lunAttributes([{ lun: 3 }])]), 0)!;
  isOk(t, r, 'registered');
  const n = reg.store.nodes.get('iqn.t:v')!;
  t.same(n.luns, [{ lun: 3 }], 'only the OUI-prefixed LUN is a LUN');
  t.same(Buffer.from(n.attrs.get(LunTag.NUMBER) as Uint8Array), foreign, 'the foreign value is kept as sent');
  const bad = reg.handle(registerTarget('iqn.t:w', '127.25.0.3', [attr(LunTag.NUMBER, Buffer.from('00424d46', 'hex'))]), 0)!;
  t.equal(bad.status, Status.INVALID_REGISTRATION, 'LUN Number with no number after the prefix');
  t.notOk(reg.store.nodes.has('iqn.t:w'), 'nothing stored');
  t.end();
});

t.test('DevDereg of a node or portal; the entity goes with its last object', (t) => {
  const reg = new IsnsRegistry();
  reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0);
  const eid = reg.store.nodes.get('iqn.t:a')!.entity.eid;
  isOk(t, reg.handle(request(FunctionId.DEV_DEREG, 'iqn.t:a', [], [attr(Tag.PORTAL_IP_ADDRESS, '127.25.0.2'), attr(Tag.PORTAL_PORT, { port: 3260, udp: false })]), 0), 'portal');
  t.equal(reg.store.portals.size, 0);
  t.ok(reg.store.entities.has(eid), 'entity stays while its node does');
  isOk(t, reg.handle(request(FunctionId.DEV_DEREG, 'iqn.t:a', [], [attr(Tag.ISCSI_NAME, 'iqn.t:a')]), 0), 'node');
  t.notOk(reg.store.entities.has(eid), 'entity gone');
  t.end();
});

t.test('DDs: names are unique, members by index, DDDereg of an unknown DD', (t) => {
  const reg = new IsnsRegistry();
  reg.handle(registerInitiator('iqn.i:h'), 0);
  const idx = reg.store.nodes.get('iqn.i:h')!.index;
  const a = reg.handle(request(FunctionId.DD_REG, 'iqn.i:h', [], [attr(Tag.DD_SYMBOLIC_NAME, 'x'), attr(Tag.DD_MEMBER_ISCSI_INDEX, idx)]), 0)!;
  isOk(t, a, 'DDReg by index');
  t.equal(findAttribute(a.operating, Tag.DD_MEMBER_ISCSI_NAME)?.value, 'iqn.i:h');
  t.equal(reg.handle(request(FunctionId.DD_REG, 'iqn.i:h', [], [attr(Tag.DD_SYMBOLIC_NAME, 'x')]), 0)!.status, Status.INVALID_REGISTRATION, 'name taken');
  t.equal(reg.handle(request(FunctionId.DD_DEREG, 'iqn.i:h', [attr(Tag.DD_ID, 99)], []), 0)!.status, Status.NO_SUCH_ENTRY);
  t.end();
});

t.test('other requests: status 15; bad bodies: status 2; other versions: status 10', (t) => {
  const reg = new IsnsRegistry();
  reg.handle(registerInitiator('iqn.i:h'), 0);
  for (const fid of [FunctionId.RQST_DOM_ID, 0x0105]) {
    const r = reg.handle(request(fid, 'iqn.i:h', [], []), 0)!;
    t.equal(r.status, Status.MESSAGE_NOT_SUPPORTED, `0x${fid.toString(16)}`);
    const want: number = fid | 0x8000;
    t.equal(r.functionId, want);
    t.ok(r.noDelimiter, 'status alone');
  }
  const bad = reg.handleRaw({ version: 1, functionId: 2, transactionId: 5, flags: Flag.CLIENT, payload: Buffer.from('0000002000000003', 'hex') }, 0)!;
  t.equal(bad.status, Status.MESSAGE_FORMAT_ERROR);
  t.equal(bad.transactionId, 5);
  t.equal(reg.counters.malformed, 1);
  t.equal(reg.handleRaw({ version: 2, functionId: 2, transactionId: 6, flags: Flag.CLIENT, payload: Buffer.alloc(0) }, 0)!.status, Status.VERSION_NOT_SUPPORTED);
  t.equal(reg.handleRaw({ version: 1, functionId: FunctionId.HEARTBEAT, transactionId: 6, flags: 0, payload: Buffer.alloc(0) }, 0), null, 'even a short heartbeat is not answered');
  t.equal(reg.counters.statuses.get('Message (FUNCTION_ID) Not Supported'), 2);
  t.end();
});

t.test('the registration period: asked for, capped, kept on re-registration', (t) => {
  const reg = new IsnsRegistry({ maxRegistrationPeriod: 3600 });
  const period = (r: IsnsResponse | null) => u32Value(r!.operating, Tag.REGISTRATION_PERIOD);
  t.equal(period(reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0)), 3600, 'the default 7200 s, capped at 3600');
  const withPeriod = request(FunctionId.DEV_ATTR_REG, 'iqn.t:b', [], [attr(Tag.REGISTRATION_PERIOD, 900), attr(Tag.ISCSI_NAME, 'iqn.t:b'), attr(Tag.ISCSI_NODE_TYPE, 1)]);
  t.equal(period(reg.handle(withPeriod, 0)), 900, 'asked for');
  t.equal(period(reg.handle(registerTarget('iqn.t:b', '127.25.0.3'), 0)), 900, 'kept when a re-registration names none');
  t.end();
});

t.test('registrations expire after their period unless refreshed', (t) => {
  const reg = new IsnsRegistry({ defaultRegistrationPeriod: 60 });
  reg.handle(registerTarget('iqn.t:a', '127.25.0.2'), 0);
  reg.handle(registerInitiator('iqn.i:h'), 0);
  t.same(reg.expire(59_000), [], 'not yet');
  reg.handle(queryTargets('iqn.i:h'), 50_000); // a request from h refreshes h's entity
  const gone = reg.expire(61_000);
  t.equal(gone.length, 1, 'a expired');
  t.notOk(reg.store.nodes.has('iqn.t:a'));
  t.ok(reg.store.nodes.has('iqn.i:h'));
  t.same(reg.expire(111_000).length, 1, 'h expires 60 s after its last request');
  t.equal(reg.counters.expired, 2);
  t.end();
});
