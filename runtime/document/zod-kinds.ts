// The kinds of value any document a user writes holds (whole numbers in a range, text, a choice among names, flags),
// each a zod schema whose every mistake says what was expected and what was given.
import { z } from 'zod';

/** A value as a message quotes it. */
export function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** An error message for a value that is not `what`: "required: ..." when it is missing. */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => issue.input === undefined ? `required: ${what}` : `expected ${what}, got ${shown(issue.input)}`;
}

export function wholeNumber(min: number, max: number) {
  const error = expected(`a whole number from ${min} to ${max}`);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A non-empty string; `what` says what it is when it is missing. */
export function text(what = 'a non-empty string') {
  return z.string({ error: expected(what) }).min(1, { error: 'expected a non-empty string', abort: true });
}

/** One of `names`, given as a string. */
export function oneOf<const T extends readonly [string, ...string[]]>(names: T) {
  return z.enum(names, { error: (issue) => `expected one of ${names.join(', ')}${issue.input === undefined ? '' : `, got ${shown(issue.input)}`}` });
}

export function flag() {
  return z.boolean({ error: expected('true or false') });
}
