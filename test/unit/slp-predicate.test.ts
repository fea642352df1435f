// SLPv2 attribute lists (RFC 2608 §5) and predicates (§8.1, RFC 2254 filters): what open-isns registers and asks
// for, AND/OR/NOT of equalities, presence, wildcards, numbers, escapes, and the malformed ones.
import t from 'tap';
import { attributeMap, formatAttributeList, parseAttributeList, selectAttributes } from '../../protocols/slp/attributes.js';
import { matchesPredicate, parsePredicate } from '../../protocols/slp/predicate.js';

const ISNS = '(description=iSNS Server),(protocols=isns)';
const attrs = attributeMap(parseAttributeList(ISNS));
const matches = (p: string, a = attrs) => matchesPredicate(parsePredicate(p), a);

t.test('attribute lists: open-isns\'s registration, keywords, multiple values, escapes', async (t) => {
  t.same(parseAttributeList(ISNS), [{ tag: 'description', values: ['iSNS Server'] }, { tag: 'protocols', values: ['isns'] }]);
  t.same(parseAttributeList('(a=1,2,3),secure,(b=x\\2cy)'), [{ tag: 'a', values: ['1', '2', '3'] }, { tag: 'secure', values: [] }, { tag: 'b', values: ['x,y'] }]);
  t.equal(formatAttributeList([{ tag: 'b', values: ['x,y', '(z)'] }, { tag: 'k', values: [] }]), '(b=x\\2cy,\\28z\\29),k');
  t.same(parseAttributeList(''), []);
  for (const bad of ['(a=1', '(=1)', '(a)', 'a,', '(a=1)x', '(a*=1)']) {
    t.throws(() => parseAttributeList(bad), { name: 'DecodeError', code: 'ERR_ATTRIBUTES' }, bad);
  }
  t.same(selectAttributes(parseAttributeList(ISNS), ['PROTOCOLS']), [{ tag: 'protocols', values: ['isns'] }]);
  t.same(selectAttributes(parseAttributeList(ISNS), ['desc*']).map((a) => a.tag), ['description']);
});

t.test('(protocols=isns) and the equalities open-isns and others send', async (t) => {
  t.ok(matches('(protocols=isns)'));
  t.ok(matches('(PROTOCOLS=ISNS)'), 'tags and values compare case-insensitively');
  t.ok(matches('( protocols = isns )'), 'white space folded');
  t.notOk(matches('(protocols=iscsi)'));
  t.notOk(matches('(transport=isns)'), 'an attribute the service lacks');
  t.ok(matches(''), 'an empty predicate matches everything');
  t.ok(matches('(description=iSNS   server)'), 'runs of white space fold to one');
});

t.test('AND, OR, NOT, presence, wildcards, numbers', async (t) => {
  t.ok(matches('(&(protocols=isns)(description=iSNS Server))'));
  t.notOk(matches('(&(protocols=isns)(description=other))'));
  t.ok(matches('(|(protocols=iscsi)(protocols=isns))'));
  t.notOk(matches('(|(protocols=iscsi)(protocols=fc))'));
  t.ok(matches('(!(protocols=iscsi))'));
  t.ok(matches('(&(|(protocols=x)(protocols=isns))(!(description=y)))'), 'nested');
  t.ok(matches('(description=*)'), 'presence');
  t.notOk(matches('(port=*)'));
  t.ok(matches('(description=iSNS*)'));
  t.ok(matches('(description=*Serv*)'));
  t.notOk(matches('(description=*client)'));
  const n = attributeMap(parseAttributeList('(port=3205),(name=a\\2ab)'));
  t.ok(matches('(port>=3000)', n));
  t.ok(matches('(port<=3205)', n));
  t.notOk(matches('(port>=4000)', n));
  t.ok(matches('(port=03205)', n), 'integers compare as numbers');
  t.ok(matches('(name=a\\2ab)', n), 'an escaped "*" is a character, not a wildcard');
  t.notOk(matches('(name=a\\2ac)', n));
});

t.test('malformed predicates raise ERR_PREDICATE with where', async (t) => {
  for (const bad of ['protocols=isns', '(protocols=isns', '(protocols)', '(=isns)', '(&)', '(|(a=1)', '(a=1))', '(a>=1*)', '(a=\\4)', '(!)']) {
    t.throws(() => parsePredicate(bad), { name: 'DecodeError', code: 'ERR_PREDICATE' }, bad);
  }
  t.throws(() => parsePredicate(`${'(!'.repeat(40)}(a=1)${')'.repeat(40)}`), /nested deeper/, 'depth is bounded');
});
