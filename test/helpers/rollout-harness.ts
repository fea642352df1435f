// Runs the manager's RolloutMachine against ScriptedRmcs on a ManualClock, in memory: every action goes to its RMC
// (a broadcast to all), every answer back to the machine, at once, until nothing is in flight; then time moves to
// the next deadline. The test's RMCs are stand-ins (see scripted-rmc.ts); the bytes are the real codecs'.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { signManifest } from '../../protocols/rollout/manifest.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { RolloutMachine, type RolloutAction, type RolloutMachineOptions } from '../../orchestrator/rollout/rollout-machine.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { ScriptedRmc, type ScriptedRmcOptions } from './scripted-rmc.js';

export const START = 1_767_225_600_000;
export const FLASH_AT = START + 60_000;
export const { signing, rawPublicKey } = generateManagerKey();
export const trustedKeys = [trustedKeyFromRaw(rawPublicKey)];

export function testImage(size: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
}

export function dbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'bmcfleet-machine-')), 'manager.db');
}

export type MachineTuning = Omit<RolloutMachineOptions, 'store' | 'rolloutId' | 'key'>;

export const FAST: MachineTuning = {
  round: { marginMs: 50, pollTimeoutMs: 100, maxPolls: 2 }, chunkSize: 1000, transferSlots: 2, retransmitTimeoutMs: 100, maxTimeouts: 3,
  backoffMs: 1000, maxAttempts: 3, repeatMs: 200, statusIntervalMs: 2000, checkpointChunks: 4,
};

/** A store with one started rollout of `image` to the RMCs (immediate replies), the RMCs, and a machine on it. */
export function setUp(rmcOptions: Omit<ScriptedRmcOptions, 'trustedKeys'>[], o: { image?: Buffer; tuning?: MachineTuning; path?: string } = {}) {
  const image = o.image ?? testImage(10_500);
  const clock = new ManualClock(START);
  const path = o.path ?? dbPath();
  const store = new SqliteRolloutStore(path);
  const sha = createHash('sha256').update(image).digest();
  const manifest = signManifest({
    imageSize: image.length, imageSha256: sha, manufacturerId: 32473, productId: 1, deviceId: 0x20, firmware: { major: 2, minor: 0, aux: 0 },
    createdAtMs: START, name: 'bmc-2.00.hpm',
  }, signing);
  const rmcs = rmcOptions.map((r) => new ScriptedRmc({ ...r, trustedKeys }));
  const rolloutId = store.startRollout({
    createdAtMs: START, nonce: new Uint8Array(16), imageSize: image.length, imageSha256: sha, flashTimeMs: FLASH_AT,
    reply: { scheme: ReplyScheme.IMMEDIATE }, targets: rmcs.map((r) => ({ rmcId: r.rmcId, address: r.address })),
  }, { concurrency: 2, bmcTimeoutMs: 30_000, image, manifest, rackNames: rmcs.map((r) => `rack-${r.rmcId}`) });
  const tuning = o.tuning ?? FAST;
  const h = new Harness(clock, store, rmcs, new RolloutMachine({ ...tuning, store, rolloutId, key: signing }));
  return { h, clock, store, rmcs, rolloutId, image, path, tuning };
}

export class Harness {
  /** Every action the machine returned, with the time. */
  readonly sent: { atMs: number; action: RolloutAction }[] = [];
  readonly clock: ManualClock;
  store: SqliteRolloutStore;
  readonly rmcs: ScriptedRmc[];
  machine: RolloutMachine;
  private readonly byId: Map<number, ScriptedRmc>;

  constructor(clock: ManualClock, store: SqliteRolloutStore, rmcs: ScriptedRmc[], machine: RolloutMachine) {
    this.clock = clock;
    this.store = store;
    this.rmcs = rmcs;
    this.byId = new Map(rmcs.map((r) => [r.rmcId, r]));
    this.machine = machine;
  }

  start(): void { this.deliver(this.machine.start(this.clock.now())); }

  /** Hands the machine's actions to the RMCs and their answers back, until nothing is in flight. */
  deliver(actions: RolloutAction[]): void {
    const queue = [...actions];
    while (queue.length > 0) {
      const a = queue.shift()!;
      this.sent.push({ atMs: this.clock.now(), action: a });
      const to = a.kind === 'broadcast' ? this.rmcs : this.rmcs.filter((r) => r.rmcId === a.rmcId);
      for (const rmc of to) {
        for (const answer of rmc.handle(a.bytes, this.clock.now())) queue.push(...this.machine.receive(answer, this.clock.now()));
      }
    }
  }

  /** Moves time on by `ms`, ticking the machine at each deadline and the RMCs at each step. */
  run(ms: number): void {
    const end = this.clock.now() + ms;
    for (;;) {
      this.rmcTicks();
      const deadline = this.machine.deadlineMs;
      const rmcDue = this.clock.now() < FLASH_AT && FLASH_AT <= end ? FLASH_AT : Infinity;
      const next = Math.min(deadline ?? Infinity, rmcDue);
      if (next > end) break;
      this.clock.advance(Math.max(0, next - this.clock.now()));
      this.deliver(this.machine.tick(this.clock.now()));
    }
    this.clock.advance(end - this.clock.now());
    this.rmcTicks();
  }

  /** Runs until the machine is done, at most `ms`. */
  runUntilDone(ms = 600_000): void {
    const end = this.clock.now() + ms;
    while (!this.machine.done && this.clock.now() < end) this.run(Math.min(1000, end - this.clock.now()));
  }

  private rmcTicks(): void {
    for (const rmc of this.rmcs) {
      for (const answer of rmc.tick(this.clock.now())) this.deliver(this.machine.receive(answer, this.clock.now()));
    }
  }
}
