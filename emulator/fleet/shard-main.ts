// Entry point of a shard process: the fleet's node kinds, served as the supervisor asks (shard-process.ts).
import { NODE_KINDS } from './nodes/index.js';
import { serveShard } from './shard-process.js';

serveShard(NODE_KINDS);
