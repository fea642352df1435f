// A cluster and its update limits (issue 14, cluster update): a YAML file checked with zod, every mistake at once with
// its line and column (runtime/document/), as policies and fleet files are. Hosts are named by their BMC addresses.
//
//   cluster: web
//   groups:
//     - { name: rack-a, hosts: 127.60.1.1-127.60.1.10, maxDown: 2 }
//     - { name: rack-b, hosts: "127.60.1.11-127.60.1.20", maxDown: 10% }
//   pairs: [[127.60.1.1, 127.60.1.11]]     # never down together
//   failureBudget: 3                        # failures that pause the whole update (or a share: 5%)
//   autoUpdate: true                        # an update that arrives (feed, alert) and applies starts at once
import { z } from 'zod';
import { expandAddressList } from '../../runtime/address-list.js';
import { documentKind } from '../../runtime/document/zod-document.js';
import { shown, text, wholeNumber } from '../../runtime/document/zod-kinds.js';
import { plural } from '../../runtime/plural.js';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const MAX_HOSTS = 100_000;

/** "N" hosts or "P%" of a set: a count, or a share rounded down. */
export type Share = { readonly count: number } | { readonly percent: number };

/** How many of `size` hosts a Share allows. */
export function shareOf(share: Share, size: number): number {
  return 'count' in share ? share.count : Math.floor((share.percent * size) / 100);
}

export function formatShare(share: Share): string {
  return 'count' in share ? String(share.count) : `${share.percent}%`;
}

const share = (what: string) => z.union([
  wholeNumber(0, MAX_HOSTS).transform((count): Share => ({ count })),
  z.string().regex(/^\d{1,3}(\.\d+)?%$/).transform((s): Share => ({ percent: Number(s.slice(0, -1)) }))
    .refine((s) => 'percent' in s && s.percent <= 100, { error: 'a share is at most 100%' }),
], { error: (issue) => `expected ${what}: a whole number or a share like 10%, got ${shown(issue.input)}` });

const hostList = z.union([text(), z.array(text()).min(1)], { error: (issue) => `expected addresses: "A-B", "A,B" or a list, got ${shown(issue.input)}` })
  .transform((spec, ctx) => {
    try {
      return expandAddressList(Array.isArray(spec) ? spec.join(',') : spec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const group = z.strictObject({
  name: z.string().regex(NAME, { error: (issue) => `a group name is lower-case letters, digits and dashes, starting with a letter; got ${shown(issue.input)}` }),
  hosts: hostList.describe('the BMC addresses of the group\'s hosts'),
  maxDown: share('at most this many of the group down at once'),
}).superRefine((g, ctx) => {
  const seen = new Set<string>();
  for (const host of g.hosts) {
    if (seen.has(host)) ctx.addIssue({ code: 'custom', path: ['hosts'], message: `${host} is listed twice` });
    seen.add(host);
  }
  // Bad input "limits that can never be satisfied": no host of the group could ever go down
  if (shareOf(g.maxDown, g.hosts.length) === 0) {
    ctx.addIssue({ code: 'custom', path: ['maxDown'], message: `max-down ${formatShare(g.maxDown)} of ${plural(g.hosts.length, 'host')} is 0: no host of ${g.name} could ever be updated` });
  }
});

// What involves several groups is checked once each group is right on its own (zod runs a refinement on valid input).
export const clusterSchema = z.strictObject({
  cluster: z.string().regex(NAME, { error: (issue) => `a cluster name is lower-case letters, digits and dashes; got ${shown(issue.input)}` }),
  groups: z.array(group).min(1),
  pairs: z.array(z.tuple([text(), text()], { error: 'expected a pair: [ADDRESS, ADDRESS]' })).prefault([]).describe('redundancy pairs: never down together'),
  failureBudget: share('failures that pause the whole update').prefault(1),
  autoUpdate: z.boolean({ error: 'expected true or false' }).prefault(false).describe('an update that arrives (feed, alert) and applies starts at once'),
}).superRefine((c, ctx) => {
  const names = new Set<string>();
  c.groups.forEach((g, i) => {
    if (names.has(g.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `a second group named ${g.name}` });
    names.add(g.name);
  });
  const hosts = new Set(c.groups.flatMap((g) => g.hosts));
  c.pairs.forEach(([a, b], i) => {
    if (!hosts.has(a)) ctx.addIssue({ code: 'custom', path: ['pairs', i, 0], message: `${a} is in no group of the cluster` });
    if (!hosts.has(b)) ctx.addIssue({ code: 'custom', path: ['pairs', i, 1], message: `${b} is in no group of the cluster` });
    if (a === b) ctx.addIssue({ code: 'custom', path: ['pairs', i], message: `a host cannot pair with itself (${a})` });
  });
});

export type ClusterFile = z.output<typeof clusterSchema>;
export type ClusterGroup = ClusterFile['groups'][number];

const clusterDocument = documentKind(clusterSchema);

/** A cluster file's text checked: the cluster, or every mistake in file order. */
export const readClusterText = clusterDocument.readText;

/** The cluster file at `path`; a DocumentError listing every mistake (FILE:LINE:COLUMN: path: message). */
export const loadClusterFile = clusterDocument.loadFile;

/** Every host of the cluster once, in the order the groups list them. */
export function clusterHosts(c: ClusterFile): string[] {
  return [...new Set(c.groups.flatMap((g) => g.hosts))];
}
