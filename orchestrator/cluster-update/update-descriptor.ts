// An update's descriptor (issue 14, "A feed, and alerts"): what arrives in the watched folder or at the feed URL beside
// an update image, or what a pushed alert points to. It says the version, the models it applies to and what it
// updates; the manager decides from it whether and where the update applies. YAML or JSON, checked with zod with every
// mistake at once and its line, as the other documents users write:
//
//   name: web-os
//   version: 2.4.1
//   image: web-os-2.4.1.iso               # beside the descriptor, or an http(s) URL
//   sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//   appliesTo: [{ vendor: bmcfleet, product: "Emulated Server" }]
//   updates: [os]
//   description: security fixes
import { z } from 'zod';
import { documentKind } from '../../runtime/document/zod-document.js';
import { oneOf, shown, text } from '../../runtime/document/zod-kinds.js';

/** What an update can replace on a host. */
export const UPDATE_PARTS = ['os', 'packages', 'bios', 'bmc-firmware'] as const;

const VERSION = /^\d{1,9}(\.\d{1,9}){0,3}$/;

const model = z.strictObject({
  vendor: text('a vendor, as the inventory reports it'),
  product: text('a product, as the inventory reports it').optional().describe('left out: every product of the vendor'),
});

export const descriptorSchema = z.strictObject({
  name: text('a name for the update'),
  version: z.string({ error: (issue) => typeof issue.input === 'number'
    ? `a version is text: quote it (version: "${issue.input}"), since YAML reads 2.10 as the number 2.1`
    : `expected a version of up to four dotted numbers (2.4.1), got ${shown(issue.input)}` })
    .regex(VERSION, { error: (issue) => `expected a version of up to four dotted numbers (2.4.1), got ${shown(issue.input)}` }),
  image: text('the image: a path beside the descriptor or an http(s) URL'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, { error: (issue) => `expected 64 hex digits, got ${shown(issue.input)}` }).transform((s) => s.toLowerCase()),
  appliesTo: z.array(model).min(1).describe('the models it is for'),
  updates: z.array(oneOf(UPDATE_PARTS)).min(1).describe('what it replaces on a host'),
  description: z.string().max(1000).prefault(''),
}).describe('a bmcfleet update descriptor');

export type UpdateDescriptor = z.output<typeof descriptorSchema>;

const descriptorDocument = documentKind(descriptorSchema);

/** A descriptor's text (YAML, so JSON too) checked: the descriptor, or every mistake in file order. */
export const readDescriptorText = descriptorDocument.readText;

/** The descriptor file at `path` checked (a file that cannot be read is one issue). */
export const checkDescriptorFile = descriptorDocument.checkFile;

/** The descriptor at `path`; a DocumentError listing every mistake (FILE:LINE:COLUMN: path: message). */
export const loadDescriptorFile = descriptorDocument.loadFile;

/** -1, 0 or 1 as version `a` is older, the same as or newer than `b` (missing parts count as 0: 2.4 = 2.4.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
