// A CHAP account as files hold it (the fleet file's targets[].chap, the manager's --chap-file): a name and a secret,
// each UTF-8 and at most 255 bytes (what boot parameters 108/109 carry), the secret at least 12 bytes (RFC 7143
// §9.2.1 asks for 96 bits; tgtd and LIO refuse shorter ones).
import { z } from 'zod';
import { CHAP_MIN_SECRET } from '../../protocols/iscsi/chap.js';
import { text } from './zod-kinds.js';

/** Bytes a CHAP string may have: boot parameters 108/109 carry 255 at most. */
export const MAX_CHAP_BYTES = 255;

const bytesOf = (issue: { input?: unknown }) => `${Buffer.byteLength(String(issue.input))} bytes`;
const fits = (s: string) => Buffer.byteLength(s) <= MAX_CHAP_BYTES;

export const chapAccount = z.strictObject({
  name: text().refine(fits, { error: (i) => `${bytesOf(i)}: at most ${MAX_CHAP_BYTES}` }).describe('the CHAP user name (CHAP_N)'),
  secret: text()
    .refine((s) => Buffer.byteLength(s) >= CHAP_MIN_SECRET, { error: (i) => `${bytesOf(i)}: a CHAP secret needs at least ${CHAP_MIN_SECRET} (RFC 7143 §9.2.1)` })
    .refine(fits, { error: (i) => `${bytesOf(i)}: at most ${MAX_CHAP_BYTES}` })
    .describe(`the CHAP secret, ${CHAP_MIN_SECRET} to ${MAX_CHAP_BYTES} bytes`),
});

export type ChapAccount = z.output<typeof chapAccount>;
