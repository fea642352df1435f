// A shard process running the fleet's node kinds and the test echo kind (test/helpers/echo-node.ts).
import { NODE_KINDS } from '../../emulator/fleet/nodes/index.js';
import { serveShard } from '../../emulator/fleet/shard-process.js';
import { echoKind } from './echo-node.js';

serveShard([...NODE_KINDS, echoKind]);
