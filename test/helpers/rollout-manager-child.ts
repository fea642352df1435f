// A manager process for the kill -9 test: opens the store, starts the rollout described on stdin (or, with none,
// resumes what the store holds), and prints `started ID` / `resumed ID,...` once its first step is out. Arguments:
// the database file, the RMCs' port. stdin: JSON { keyPem, start?: { imageHex, flashTimeMs, rmcs } }. Run it as a
// process; importing it would start a manager.
import { readFileSync } from 'node:fs';
import { signingKeyFrom } from '../../protocols/rollout/keys.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { RolloutManager } from '../../orchestrator/rollout/rollout-manager.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';

const input = JSON.parse(readFileSync(0, 'utf8')) as {
  keyPem: string;
  start?: { imageHex: string; flashTimeMs: number; rmcs: { rmcId: number; address: string; rackName: string }[] };
};
const store = new SqliteRolloutStore(process.argv[2]);
const manager = await RolloutManager.open({
  store, key: signingKeyFrom(input.keyPem), rmcPort: Number(process.argv[3]),
  tuning: { chunkSize: 4096, retransmitTimeoutMs: 100, repeatMs: 100, statusIntervalMs: 200, round: { marginMs: 50, pollTimeoutMs: 200 } },
});
if (input.start) {
  const id = manager.start({ ...input.start, image: Buffer.from(input.start.imageHex, 'hex'), replyScheme: ReplyScheme.IMMEDIATE });
  process.stdout.write(`started ${id}\n`);
} else {
  process.stdout.write(`resumed ${manager.resumeAll().join(',')}\n`);
}
// keep running until killed
setInterval(() => {}, 1000);
