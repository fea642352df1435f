// A shard process whose RMCs flash through the scripted fake flasher of rmc-test-kinds.ts.
import { serveShard } from '../../emulator/fleet/shard-process.js';
import { RMC_TEST_KINDS } from './rmc-test-kinds.js';

serveShard(RMC_TEST_KINDS);
