// The manager's command sequence numbers (README "The rollout protocol", the header's sequence), handed out from
// blocks reserved in the store: a block is durable before any number in it is used, so a restarted manager never
// sends a number twice; the numbers a killed manager had not used are skipped, never reused.
import type { RolloutStore } from '../store/rollout-store.js';

export class SequencePool {
  private readonly store: Pick<RolloutStore, 'reserveSequences'>;
  private readonly blockSize: number;
  private next = 0;
  private end = 0;

  constructor(store: Pick<RolloutStore, 'reserveSequences'>, blockSize = 256) {
    this.store = store;
    this.blockSize = blockSize;
  }

  take(): number {
    if (this.next === this.end) {
      this.next = this.store.reserveSequences(this.blockSize);
      this.end = this.next + this.blockSize;
    }
    return this.next++;
  }
}
