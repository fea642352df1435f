// SLPv2 predicates — RFC 2608 §8.1 (the LDAPv3 search filter string of RFC 2254 §4, without extensible
// matches) and how SAs evaluate them (§8.1: tags and string values compare case-insensitively with white
// space folded, integers numerically, "*" in a value matches any run of characters).
//
//   filter     = "(" filtercomp ")"          filtercomp = and / or / not / item
//   and        = "&" 1*filter                or         = "|" 1*filter          not = "!" filter
//   item       = attr ("=" / "~=" / ">=" / "<=") value     present = attr "=*"
import { DecodeError } from '../errors.js';
import { unescapeValue } from './string-list.js';

export type Predicate =
  | { op: 'and' | 'or'; items: Predicate[] }
  | { op: 'not'; item: Predicate }
  | { op: 'present'; tag: string }
  /** `value` unescaped; with "=" and "~=" an unescaped "*" is a wildcard: `parts` is the value cut at each one */
  | { op: 'equal' | 'approx' | 'greater-or-equal' | 'less-or-equal'; tag: string; value: string; parts: string[] | null };

/** Filters nested deeper than this are refused (a hostile request cannot exhaust the stack). */
export const MAX_PREDICATE_DEPTH = 32;

const OPERATORS = [['~=', 'approx'], ['>=', 'greater-or-equal'], ['<=', 'less-or-equal'], ['=', 'equal']] as const;

/** Parses a predicate; an empty string (every service matches) gives null. `at`: its offset in the message. */
export function parsePredicate(s: string, at = 0): Predicate | null {
  if (s.trim() === '') return null;
  let i = 0;
  const fail = (why: string): never => { throw new DecodeError('slp', 'predicate', at + i, why, 'ERR_PREDICATE'); };
  const skipSpace = () => { while (s[i] === ' ') i++; };

  const filter = (depth: number): Predicate => {
    if (depth > MAX_PREDICATE_DEPTH) fail(`nested deeper than ${MAX_PREDICATE_DEPTH}`);
    skipSpace();
    if (s[i] !== '(') fail('"(" expected');
    i++;
    skipSpace();
    let p: Predicate;
    if (s[i] === '&' || s[i] === '|') {
      const op = s[i] === '&' ? 'and' : 'or';
      i++;
      const items: Predicate[] = [];
      skipSpace();
      while (s[i] === '(') {
        items.push(filter(depth + 1));
        skipSpace();
      }
      if (items.length === 0) fail(`"${op === 'and' ? '&' : '|'}" needs at least one filter`);
      p = { op, items };
    } else if (s[i] === '!') {
      i++;
      p = { op: 'not', item: filter(depth + 1) };
      skipSpace();
    } else {
      p = item();
    }
    if (s[i] !== ')') fail('")" expected');
    i++;
    return p;
  };

  const item = (): Predicate => {
    const start = i;
    while (i < s.length && !'=~<>()'.includes(s[i])) i++;
    const tag = s.slice(start, i).trim();
    if (tag === '' || /[\\*!&|]/.test(tag)) fail(`bad attribute tag "${tag}"`);
    const found = OPERATORS.find(([text]) => s.startsWith(text, i));
    if (!found) fail('"=", "~=", ">=" or "<=" expected');
    const [text, op] = found!;
    i += text.length;
    const valueStart = i;
    while (i < s.length && s[i] !== ')' && s[i] !== '(') i++;
    const raw = s.slice(valueStart, i);
    if (/\\(?![0-9a-fA-F]{2})/.test(raw)) fail('"\\" must be followed by two hex digits');
    if (op === 'equal' && raw.trim() === '*') return { op: 'present', tag };
    const wildcards = (op === 'equal' || op === 'approx') && raw.includes('*');
    if (!wildcards && raw.includes('*')) fail(`"*" is only allowed with "=" and "~="`);
    return { op, tag, value: unescapeValue(raw), parts: wildcards ? raw.split('*').map(unescapeValue) : null };
  };

  const p = filter(0);
  skipSpace();
  if (i !== s.length) fail('text after the filter');
  return p;
}

/** Folds white space and case (§8.1 string comparison). */
const fold = (v: string) => v.trim().replace(/\s+/g, ' ').toLowerCase();
const INTEGER = /^\s*[-+]?\d+\s*$/;

function compare(have: string, want: string): number {
  if (INTEGER.test(have) && INTEGER.test(want)) return Math.sign(Number(have) - Number(want));
  const a = fold(have);
  const b = fold(want);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `have` against a value cut at its wildcards: the parts in order, anything between them. */
function wildcardMatch(have: string, parts: readonly string[]): boolean {
  const text = fold(have);
  const [first, ...rest] = parts.map((part) => part.trim().replace(/\s+/g, ' ').toLowerCase());
  const last = rest.pop() ?? '';
  if (!text.startsWith(first)) return false;
  let at = first.length;
  for (const middle of rest) {
    const found = text.indexOf(middle, at);
    if (found < 0) return false;
    at = found + middle.length;
  }
  return text.length - at >= last.length && text.endsWith(last);
}

/** Whether attributes (attributeMap: tag keys in lower case -> values) satisfy `p`; null matches everything. */
export function matchesPredicate(p: Predicate | null, attrs: ReadonlyMap<string, readonly string[]>): boolean {
  if (p === null) return true;
  switch (p.op) {
    case 'and': return p.items.every((q) => matchesPredicate(q, attrs));
    case 'or': return p.items.some((q) => matchesPredicate(q, attrs));
    case 'not': return !matchesPredicate(p.item, attrs);
    case 'present': return attrs.has(p.tag.trim().toLowerCase());
    default: {
      const values = attrs.get(p.tag.trim().toLowerCase()) ?? [];
      return values.some((v) => {
        if (p.parts) return wildcardMatch(v, p.parts);
        const c = compare(v, p.value);
        return p.op === 'greater-or-equal' ? c >= 0 : p.op === 'less-or-equal' ? c <= 0 : c === 0;
      });
    }
  }
}
