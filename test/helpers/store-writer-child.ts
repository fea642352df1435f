// A child process that writes to a rollout store as fast as it can, until killed: the kill -9 test's victim.
// Each step is printed only after it committed: `sequence N` (first of 7 reserved), `rollout ID`, `answered ID`.
// Arguments: the database file, RMCs per rollout. Run it as a process; importing it would start the loop.
import { RmcStep, RoundPhase } from '../../orchestrator/store/rollout-store.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';

const store = new SqliteRolloutStore(process.argv[2]);
const targets = Array.from({ length: Number(process.argv[3]) }, (_, i) => ({ rmcId: i + 1, address: `127.60.${i >> 8}.${i & 0xff}` }));
for (;;) {
  process.stdout.write(`sequence ${store.reserveSequences(7)}\n`);
  const id = store.createRollout({
    createdAtMs: Date.now(), nonce: new Uint8Array(16), imageSize: 1, imageSha256: new Uint8Array(32), flashTimeMs: 0,
    reply: { scheme: 0 }, targets,
  });
  process.stdout.write(`rollout ${id}\n`);
  const answered = store.rmcs(id).map((m) => ({
    ...m, step: RmcStep.ANSWERED, answer: { readiness: 0 as const, bmcCount: 40, rackName: `r${m.rmcId}`, atMs: 1 },
  }));
  store.saveRoundStep(id, { phase: RoundPhase.DONE, attempt: 0, deadlineMs: null }, answered);
  process.stdout.write(`answered ${id}\n`);
}
