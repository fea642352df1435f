// The manager's messages after the prepare round (README "The exchange after the prepare round"), encoded for one
// RMC of one rollout: the signed commands (Image Offer, Flash, Pause, Resume, Abort), each with a fresh sequence
// number, and the unsigned Image Chunks (the signed manifest's SHA-256 covers their bytes).
import { signMessage } from '../../protocols/rollout/auth.js';
import { MessageType } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { encodeMessage } from '../../protocols/rollout/message.js';
import type { Flash } from '../../protocols/rollout/schedule.js';
import type { ControlCommand } from '../store/run-records.js';
import type { SequencePool } from './sequence-pool.js';

const CONTROL_TYPES = { pause: MessageType.PAUSE, resume: MessageType.RESUME, abort: MessageType.ABORT } as const;

export class RolloutCommands {
  private readonly rolloutId: number;
  private readonly key: SigningKey;
  private readonly sequences: SequencePool;

  constructor(rolloutId: number, key: SigningKey, sequences: SequencePool) {
    this.rolloutId = rolloutId;
    this.key = key;
    this.sequences = sequences;
  }

  offer(rmcId: number, attempt: number, chunkSize: number, manifest: Uint8Array, nowMs: number): Buffer {
    return signMessage({ type: MessageType.IMAGE_OFFER, ...this.envelope(rmcId), body: { attempt, chunkSize, manifest } }, this.key, nowMs);
  }

  /** `data` is a view into the image: the one copy made is the datagram itself. */
  chunk(rmcId: number, offset: number, data: Uint8Array): Buffer {
    return encodeMessage({ type: MessageType.IMAGE_CHUNK, ...this.envelope(rmcId), body: { offset, data } });
  }

  flash(rmcId: number, body: Flash, nowMs: number): Buffer {
    return signMessage({ type: MessageType.FLASH, ...this.envelope(rmcId), body }, this.key, nowMs);
  }

  control(rmcId: number, command: ControlCommand, nowMs: number): Buffer {
    return signMessage({ type: CONTROL_TYPES[command], ...this.envelope(rmcId), body: {} }, this.key, nowMs);
  }

  private envelope(rmcId: number): { rolloutId: number; rmcId: number; sequence: number } {
    return { rolloutId: this.rolloutId, rmcId, sequence: this.sequences.take() };
  }
}
