// The node kinds every fleet runs. Adding one (a rack controller, virtual media, a Redfish service) is a file that
// declares a NodeKind (node-kind.ts; test/helpers/echo-node.ts is the smallest) and a line here.
import { bmcKind } from './bmc.js';
import type { NodeKind } from './node-kind.js';
import { rmcKind } from './rmc.js';

export const NODE_KINDS: readonly NodeKind<unknown>[] = [
  bmcKind,
  rmcKind,
];
