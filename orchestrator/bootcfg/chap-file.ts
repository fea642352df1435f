// The CHAP accounts of the iSCSI targets the manager boots hosts from: `manager serve --chap-file FILE`, YAML, so no
// secret is ever typed on a command line or sent in a request. Each key is a target's IQN, or a group of targets as
// a prefix ending in `*` (a fleet file's `targets:` entry of count N is NAME-1 ... NAME-N); the exact IQN wins, then
// the longest prefix. The runner writes the picked target's account as boot parameters 108/109; nothing saves it.
//
//   iqn.2026-11.org.bmcfleet:secure-boot-*: { name: boot-user, secret: a-long-secret }
import { z } from 'zod';
import { chapAccount, type ChapAccount } from '../../runtime/document/chap-account.js';
import { documentKind } from '../../runtime/document/zod-document.js';
import { text } from '../../runtime/document/zod-kinds.js';

const targetKey = text().regex(/^[^*]+\*?$/, { error: 'an IQN, or a prefix of IQNs ending in *' });
const chapFileSchema = z.record(targetKey, chapAccount);

export const chapFileDocument = documentKind(chapFileSchema);

export class ChapAccounts {
  private readonly exact = new Map<string, ChapAccount>();
  private readonly prefixes: Array<[prefix: string, account: ChapAccount]>;

  constructor(entries: Record<string, ChapAccount>) {
    const prefixes: Array<[string, ChapAccount]> = [];
    for (const [key, account] of Object.entries(entries)) {
      if (key.endsWith('*')) prefixes.push([key.slice(0, -1), account]);
      else this.exact.set(key, account);
    }
    this.prefixes = prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** The account `target` asks for, or null for none. */
  forTarget(target: string): ChapAccount | null {
    return this.exact.get(target) ?? this.prefixes.find(([p]) => target.startsWith(p))?.[1] ?? null;
  }
}

/** The accounts of a --chap-file; a DocumentError lists every mistake with its line and column. */
export function loadChapFile(path: string): ChapAccounts {
  return new ChapAccounts(chapFileDocument.loadFile(path));
}
