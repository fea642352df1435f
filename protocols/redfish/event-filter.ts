// The $filter of a Redfish SSE stream (DSP0266 "Server-sent events": ServerSentEventUri?$filter=...), in the $filter
// syntax (DSP0266 "$filter query parameter"): comparisons `Property eq Value` and `ne`, joined by `and` / `or`,
// negated by `not`, grouped by parentheses; a value is a quoted string ('it''s' escapes a quote) or a bare word
// (`EventType eq Alert`). E.g. `(RegistryPrefix eq 'TaskEvent') or (MessageId eq 'ResourceEvent.1.0.ResourceCreated')`.
// Only the properties the caller names may appear; anything else raises DecodeError (field $filter, with the offset).
import { DecodeError } from '../errors.js';

export type EventFilter =
  | { op: 'eq' | 'ne'; property: string; value: string }
  | { op: 'and' | 'or'; left: EventFilter; right: EventFilter }
  | { op: 'not'; operand: EventFilter };

/** A filter's longest text: a stream's filter is read once, but a client must not make the service parse megabytes. */
export const MAX_FILTER_CHARS = 1024;

/** A parenthesis, a quoted string, or a bare word (a property, an operator, a value such as a URI). */
const TOKEN = /\(|\)|'(?:[^']|'')*'|[A-Za-z0-9_.\-/#:@]+/y;

interface Token { at: number; kind: '(' | ')' | 'string' | 'word'; text: string }

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at])) at++;
    if (at >= text.length) return out;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new DecodeError('redfish', '$filter', at, `cannot read ${JSON.stringify(text.slice(at, at + 16))}`, 'ERR_FILTER_SYNTAX');
    const t = m[0];
    if (t === '(' || t === ')') out.push({ at, kind: t, text: t });
    else if (t.startsWith("'")) out.push({ at, kind: 'string', text: t.slice(1, -1).replace(/''/g, "'") });
    else out.push({ at, kind: 'word', text: t });
    at = TOKEN.lastIndex;
  }
}

/** Parses `text`; `properties` are the ones it may compare. */
export function parseEventFilter(text: string, properties: readonly string[]): EventFilter {
  if (text.length > MAX_FILTER_CHARS) throw new DecodeError('redfish', '$filter', MAX_FILTER_CHARS, `longer than ${MAX_FILTER_CHARS} characters`, 'ERR_FILTER_LENGTH');
  const list = tokens(text);
  let i = 0;
  const fail = (reason: string, code = 'ERR_FILTER_SYNTAX'): never => {
    throw new DecodeError('redfish', '$filter', list[i]?.at ?? text.length, reason, code);
  };
  const keyword = (word: string) => list[i]?.kind === 'word' && list[i].text === word;

  const or = (): EventFilter => {
    let left = and();
    while (keyword('or')) {
      i++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): EventFilter => {
    let left = unary();
    while (keyword('and')) {
      i++;
      left = { op: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): EventFilter => {
    if (keyword('not')) {
      i++;
      return { op: 'not', operand: unary() };
    }
    if (list[i]?.kind === '(') {
      i++;
      const inner = or();
      if (list[i]?.kind !== ')') fail('a ( without its )');
      i++;
      return inner;
    }
    return comparison();
  };
  const comparison = (): EventFilter => {
    const property = list[i];
    if (property?.kind !== 'word') return fail('a property expected');
    if (!properties.includes(property.text)) fail(`${property.text} is not a property this filter takes (${properties.join(', ')})`, 'ERR_FILTER_PROPERTY');
    i++;
    const op = list[i]?.text;
    if (list[i]?.kind !== 'word' || (op !== 'eq' && op !== 'ne')) return fail('eq or ne expected');
    i++;
    const value = list[i];
    if (value?.kind !== 'string' && value?.kind !== 'word') return fail('a value expected');
    i++;
    return { op, property: property.text, value: value.text };
  };

  if (list.length === 0) fail('empty');
  const filter = or();
  if (i < list.length) fail(`${JSON.stringify(list[i].text)} after the end of the expression`);
  return filter;
}

/** Whether the filter takes an event: `matches` says whether the event's `property` is `value`. */
export function eventFilterMatches(filter: EventFilter, matches: (property: string, value: string) => boolean): boolean {
  switch (filter.op) {
    case 'eq': return matches(filter.property, filter.value);
    case 'ne': return !matches(filter.property, filter.value);
    case 'and': return eventFilterMatches(filter.left, matches) && eventFilterMatches(filter.right, matches);
    case 'or': return eventFilterMatches(filter.left, matches) || eventFilterMatches(filter.right, matches);
    case 'not': return !eventFilterMatches(filter.operand, matches);
  }
}
