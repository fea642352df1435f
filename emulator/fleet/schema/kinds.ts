// The kinds of value a fleet file holds (addresses, HOST:PORT, FRU text, MACs, versions; and, from
// runtime/document/zod-kinds.ts, whole numbers in a range, text, choices), each a zod schema whose every mistake says
// what was expected and what was given. The sections build on these.
import { z } from 'zod';
import { isIpv4 } from '../../../runtime/ipv4.js';
import { parseHostPort } from '../../../runtime/host-port.js';
import { FIELD_ENCODING, MAX_FIELD as MAX_FRU_FIELD } from '../../../protocols/ipmi/fru-format.js';
import { parseMac } from '../../../protocols/ipmi/mac.js';
import { expected, shown, text } from '../../../runtime/document/zod-kinds.js';

export { expected, flag, oneOf, shown, text, wholeNumber } from '../../../runtime/document/zod-kinds.js';

export function ipv4Text(what = 'an IPv4 address') {
  return text(what).refine((s) => isIpv4(s), { error: (issue) => `not an IPv4 address: ${shown(issue.input)}` })
    .meta({ examples: ['127.1.0.1'] });
}

const HOST_PORT = 'HOST:PORT (0-65535), e.g. 127.0.0.1:8623';

/** HOST:PORT (runtime/host-port.ts) read into host and port. */
export function hostPortText(what = HOST_PORT) {
  return text(what).meta({ examples: ['127.0.0.1:8623'] }).transform((s, ctx) => {
    const hp = parseHostPort(s);
    if (!hp) ctx.addIssue({ code: 'custom', message: `expected ${HOST_PORT}, got ${shown(s)}`, input: s });
    return hp ?? z.NEVER;
  });
}

/**
 * A string that goes into a FRU field: 8-bit text of at most 63 bytes (FRU spec §13, protocols/ipmi/fru-format.ts).
 * Its encoding, Latin-1, takes one byte per character, so the bound is the string's length (maxLength to an editor).
 */
export function fruText() {
  return text().max(MAX_FRU_FIELD, { error: fruTooLong });
}

/** FRU text that may be left out, null or "": it is then derived from the BMC's address (emulator/bmc/hardware.ts). */
export function derivedFruText() {
  return z.string({ error: expected('a string (or ~ to derive it)') }).max(MAX_FRU_FIELD, { error: fruTooLong }).nullable().optional();
}

function fruTooLong(issue: { input?: unknown }): string {
  return `${Buffer.byteLength(String(issue.input), FIELD_ENCODING)} bytes: at most ${MAX_FRU_FIELD} (it goes into a FRU field)`;
}

/** A MAC, colon or dash separated (protocols/ipmi/mac.ts); left out, null or "": derived. */
export function derivedMac() {
  const error = (issue: { input?: unknown }) => `expected a MAC like 06:00:7f:01:00:01 or 06-00-7f-01-00-01, got ${shown(issue.input)}`;
  return z.string({ error }).refine((s) => s === '' || isMac(s), { error }).nullable().optional()
    .meta({ examples: ['06:00:7f:01:00:01'] });
}

function isMac(s: string): boolean {
  try {
    parseMac(s);
    return true;
  } catch {
    return false;
  }
}

export interface FirmwareVersion { major: number; minor: number }

/** MAJOR.MINOR as Get Device ID reports it: major 0-127, minor 0-99 (two BCD digits); a YAML number 1.2 is "1.20". */
export function firmwareVersion() {
  const error = expected('a version MAJOR.MINOR (major 0-127, minor 0-99), e.g. "1.02"');
  return z.union([z.string(), z.number()], { error }).meta({ examples: ['1.02'] }).transform((v, ctx): FirmwareVersion => {
    const m = /^(\d{1,3})\.(\d{1,2})$/.exec(typeof v === 'number' ? v.toFixed(2) : v);
    if (!m || Number(m[1]) > 127) {
      ctx.addIssue({ code: 'custom', message: error({ input: v }), input: v });
      return z.NEVER;
    }
    return { major: Number(m[1]), minor: Number(m[2]) };
  });
}

/** HOST:PORT, or "none" (or null) for nothing. */
export function hostPortOrNone() {
  return z.string({ error: expected(`${HOST_PORT}, or "none"`) }).nullable().meta({ examples: ['127.0.0.1:8623', 'none'] }).transform((s, ctx) => {
    if (s === null || s === 'none') return null;
    const hp = parseHostPort(s);
    if (!hp) ctx.addIssue({ code: 'custom', message: `expected ${HOST_PORT}, or "none", got ${shown(s)}`, input: s });
    return hp ?? z.NEVER;
  });
}
