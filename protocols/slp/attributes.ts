// SLPv2 attribute lists — RFC 2608 §5: "(tag=value,value),(tag2=value),keyword". Tags compare case-insensitively
// with white space folded; values may hold \xx escapes of the reserved characters (string-list.ts).
//
//   attr-list = attribute / attribute "," attr-list
//   attribute = "(" attr-tag "=" attr-val-list ")" / attr-tag
import { DecodeError } from '../errors.js';
import { escapeValue, unescapeValue } from './string-list.js';

/** One attribute: a keyword has no values. Values are unescaped. */
export interface Attribute { tag: string; values: string[] }

const BAD_TAG = /[(),\\!<=>~\x00-\x1f\x7f*_]/;

/** Parses an <attr-list>; `at` is where the list starts in the message, for DecodeError offsets. */
export function parseAttributeList(s: string, at = 0): Attribute[] {
  const out: Attribute[] = [];
  let i = 0;
  const fail = (why: string): never => { throw new DecodeError('slp', 'attr-list', at + i, why, 'ERR_ATTRIBUTES'); };
  while (i < s.length) {
    if (s[i] === '(') {
      const close = s.indexOf(')', i);
      if (close < 0) fail('"(" without ")"');
      const inner = s.slice(i + 1, close);
      const eq = inner.indexOf('=');
      if (eq < 0) fail('"(tag" without "="');
      const tag = inner.slice(0, eq).trim();
      if (tag === '' || BAD_TAG.test(tag)) fail(`bad tag "${tag}"`);
      out.push({ tag, values: inner.slice(eq + 1).split(',').map(unescapeValue) });
      i = close + 1;
    } else {
      const comma = s.indexOf(',', i);
      const end = comma < 0 ? s.length : comma;
      const tag = s.slice(i, end).trim();
      if (tag === '' || BAD_TAG.test(tag)) fail(`bad keyword "${tag}"`);
      out.push({ tag, values: [] });
      i = end;
    }
    if (i < s.length) {
      if (s[i] !== ',') fail(`"${s[i]}" where "," was expected`);
      i++;
      if (i === s.length) fail('a "," ends the list');
    }
  }
  return out;
}

/** Writes an <attr-list>, escaping each value. */
export function formatAttributeList(attrs: readonly Attribute[]): string {
  return attrs.map((a) => (a.values.length === 0 ? a.tag : `(${a.tag}=${a.values.map(escapeValue).join(',')})`)).join(',');
}

/** The attributes by tag key (lower case, trimmed): what predicates (predicate.ts) are evaluated against. */
export function attributeMap(attrs: readonly Attribute[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const a of attrs) {
    const key = a.tag.trim().toLowerCase();
    m.set(key, [...(m.get(key) ?? []), ...a.values]);
  }
  return m;
}

/** The attributes whose tags are in `tags` (a §10.3 tag list; empty: all); a tag may end in "*" (a prefix). */
export function selectAttributes(attrs: readonly Attribute[], tags: readonly string[]): Attribute[] {
  if (tags.length === 0) return [...attrs];
  const wanted = tags.map((t) => t.trim().toLowerCase());
  return attrs.filter((a) => {
    const key = a.tag.trim().toLowerCase();
    return wanted.some((w) => (w.endsWith('*') ? key.startsWith(w.slice(0, -1)) : key === w));
  });
}
