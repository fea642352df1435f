// SLPv2 string lists — RFC 2608 §2.1: comma-delimited lists (scope lists §6.4.1, previous responder lists
// §8.1, tag lists §10.3); reserved characters in a value are escaped as "\" and two hex digits (§5, §6.4.1).

/** "a,b,c" -> ["a", "b", "c"]; an empty string is an empty list. */
export function parseStringList(s: string): string[] {
  return s === '' ? [] : s.split(',');
}

export function formatStringList(items: readonly string[]): string {
  return items.join(',');
}

/** §6.4.1: scope names compare case-insensitively, with escapes undone and surrounding white space folded. */
export function scopeKey(scope: string): string {
  return unescapeValue(scope).trim().toLowerCase();
}

/** Whether two scope lists share a scope. */
export function scopesIntersect(a: readonly string[], b: readonly string[]): boolean {
  const keys = new Set(a.map(scopeKey));
  return b.some((s) => keys.has(scopeKey(s)));
}

/** §5 reserved: ( ) , \ ! < = > ~ and control characters (below 20h, and 7Fh). */
const RESERVED = /[(),\\!<=>~\x00-\x1f\x7f]/g;

/** Escapes the reserved characters of an attribute value (§5): "a,b" -> "a\2cb". */
export function escapeValue(v: string): string {
  return v.replace(RESERVED, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Undoes \xx escapes; a "\" without two hex digits after it stays as it is (the predicate parser refuses it first). */
export function unescapeValue(v: string): string {
  return v.includes('\\') ? v.replace(/\\([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : v;
}
