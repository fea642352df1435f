// The provisioning policy (issue 14, step 3): a YAML file whose templates map each role (compute, storage, ...) to the
// hardware a host needs for it and the image and packages it gets. Checked with zod, every mistake at once with its
// line and column (runtime/document/), as fleet files are:
//
//   roles:
//     compute:
//       needs: { cores: 32, memoryGiB: 128, disks: { count: 1, sizeGB: 400 }, nics: { count: 2, speedMbps: 10000 } }
//       image: debian-12-compute.iso
//       packages: [openssh-server, slurmd]
import { z } from 'zod';
import { documentKind } from '../../runtime/document/zod-document.js';
import { expected, shown, text, wholeNumber } from '../../runtime/document/zod-kinds.js';

/** Get Hardware Inventory's widths (README "The bmcfleet OEM command"): 255 CPUs of 65,535 cores, u16 GiB, u32 GB, u32 Mb/s. */
const MAX_CORES = 255 * 0xffff;
const MAX_ITEMS = 0xff;
const U16 = 0xffff;
const U32 = 0xffff_ffff;

const ROLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const needs = z.strictObject({
  cores: wholeNumber(1, MAX_CORES).optional().describe('CPU cores in all, at least'),
  memoryGiB: wholeNumber(1, U16).optional().describe('memory in all, GiB, at least'),
  disks: z.strictObject({
    count: wholeNumber(1, MAX_ITEMS).describe('disks, at least'),
    sizeGB: wholeNumber(1, U32).optional().describe('each of them at least this big, GB'),
  }).optional(),
  nics: z.strictObject({
    count: wholeNumber(1, MAX_ITEMS).describe('NICs, at least'),
    speedMbps: wholeNumber(1, U32).optional().describe('each of them at least this fast, Mb/s'),
  }).optional(),
}).describe('the hardware a host needs for the role; what is left out is not asked for');

const role = z.strictObject({
  description: text().optional(),
  needs: needs.prefault({}),
  image: text('the image to install: a path or an http(s) URL').describe('the installation image (ISO 9660) it boots from'),
  packages: z.array(text(), { error: expected('a list of package names') }).prefault([]).describe('packages installed after the image'),
});

export const policySchema = z.strictObject({
  roles: z.record(
    z.string().regex(ROLE_NAME, { error: (issue) => `a role name is lower-case letters, digits and dashes, starting with a letter; got ${shown(issue.input)}` }),
    role,
    { error: (issue) => issue.code === 'invalid_type' ? expected('a mapping of roles, e.g. { compute: { needs: { cores: 32 }, image: compute.iso } }')(issue) : undefined },
  ).refine((r) => Object.keys(r).length > 0, { error: 'at least one role' }),
}).describe('a bmcfleet provisioning policy: what each role needs and gets');

export type Policy = z.output<typeof policySchema>;
export type RolePolicy = Policy['roles'][string];
export type Needs = RolePolicy['needs'];

const policyDocument = documentKind(policySchema);

/** A policy file's text checked: the policy, or every mistake in file order. */
export const readPolicyText = policyDocument.readText;

/** The policy file at `path`; a DocumentError listing every mistake (FILE:LINE:COLUMN: path: message). */
export const loadPolicyFile = policyDocument.loadFile;
