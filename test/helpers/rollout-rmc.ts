// What the RMC tests share: the manager's key, a real HPM.1 image of emulated BMC firmware (bmcfleet firmware pack's)
// with its signed manifest, the manager's messages signed, and a scripted fake BMC flasher: NOT the real one (that is
// clients/ipmi/hpm-upgrader.ts, over IPMI); it answers from a table of versions, and each flash waits until the test
// finishes it, so a test decides what runs when.
import type { BmcFlasher, BmcLogin, FirmwareVersion, FlashRequest, FlashResult, VersionRead } from '../../clients/ipmi/bmc-flasher.js';
import { buildFirmware, packFirmwareImage, type FirmwareTarget } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import type { Peer } from '../../protocols/peer.js';
import { signMessage } from '../../protocols/rollout/auth.js';
import { MessageType } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { signManifest } from '../../protocols/rollout/manifest.js';
import { decodeMessage, encodeMessage, type DecodedMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';
import { createHash } from 'node:crypto';

/** The emulated BMC's identity (emulator/bmc/model.ts defaults). */
export const EMULATED_BMC: FirmwareTarget = { deviceId: 0x20, manufacturerId: 32473, productId: 0x0001 };
export const NEW_VERSION = { major: 2, minor: 7 };

/** A real HPM.1 image of `size` bytes of emulated BMC firmware at version 2.07 (or `version`). */
export function hpmImage(size = 3000, target: FirmwareTarget = EMULATED_BMC, version = NEW_VERSION): Buffer {
  return packFirmwareImage(buildFirmware(target, { ...version, aux: new Uint8Array(4) }, size), 1_700_000_000);
}

export function sha256(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

/** The manifest of `image` signed by `key` (its IDs and version as given, the emulated BMC's 2.07 by default). */
export function manifestFor(image: Uint8Array, key: SigningKey, over: Partial<{ target: FirmwareTarget; version: typeof NEW_VERSION; sha: Uint8Array }> = {}): Buffer {
  const target = over.target ?? EMULATED_BMC;
  return signManifest({
    imageSize: image.length, imageSha256: over.sha ?? sha256(image), ...target,
    firmware: { ...(over.version ?? NEW_VERSION), aux: 0 }, createdAtMs: 1_767_225_600_000, name: 'bmc-2.07.hpm',
  }, key);
}

/** The manager: signs each command with a fresh sequence number. */
export class TestManager {
  sequence = 0;
  readonly key: SigningKey;
  readonly rolloutId: number;
  readonly rmcId: number;
  readonly now: () => number;
  constructor(key: SigningKey, rolloutId: number, rmcId: number, now: () => number) {
    this.key = key;
    this.rolloutId = rolloutId;
    this.rmcId = rmcId;
    this.now = now;
  }

  command(type: RolloutMessage['type'], body: RolloutMessage['body']): Buffer {
    const m = { type, rolloutId: this.rolloutId, rmcId: this.rmcId, sequence: ++this.sequence, body } as RolloutMessage;
    return signMessage(m, this.key, this.now());
  }

  offer(manifest: Uint8Array, attempt = 1, chunkSize = 512): Buffer {
    return this.command(MessageType.IMAGE_OFFER, { attempt, chunkSize, manifest });
  }

  /** An Image Chunk (not signed: the manifest's SHA-256 covers its bytes). */
  chunk(image: Uint8Array, offset: number, length = 512): Buffer {
    const data = image.subarray(offset, Math.min(image.length, offset + length));
    return encodeMessage({ type: MessageType.IMAGE_CHUNK, rolloutId: this.rolloutId, rmcId: this.rmcId, sequence: 0, body: { offset, data } });
  }

  flash(flashTimeMs: number, concurrency = 2, bmcTimeoutMs = 60_000): Buffer {
    return this.command(MessageType.FLASH, { flashTimeMs, concurrency, bmcTimeoutMs });
  }

  pause(): Buffer { return this.command(MessageType.PAUSE, {}); }
  resume(): Buffer { return this.command(MessageType.RESUME, {}); }
  abort(): Buffer { return this.command(MessageType.ABORT, {}); }
}

/** What an RMC sent, decoded. */
export interface Sent { m: DecodedMessage; to: Peer; at: number }

export function recorder(now: () => number): { sent: Sent[]; send: (bytes: Buffer, to: Peer) => void } {
  const sent: Sent[] = [];
  return { sent, send: (bytes, to) => sent.push({ m: decodeMessage(bytes), to, at: now() }) };
}

interface PendingFlash { request: FlashRequest; finish(r?: Partial<FlashResult>): void }

/**
 * The scripted fake flasher (not the real one): `versions` by BMC host; a host missing from it is unreachable.
 * Each flash waits in `pending` until the test calls its finish() (by default: FLASHED, the host now at the target).
 */
export class ScriptedFlasher implements BmcFlasher {
  readonly versions = new Map<string, FirmwareVersion>();
  /** The HPM.1 component's version by host, where it differs from `versions` (else it is the same). */
  readonly componentVersions = new Map<string, FirmwareVersion>();
  readonly reads: string[] = [];
  /** The component each read asked for, in order. */
  readonly readComponents: (number | null)[] = [];
  readonly flashes: string[] = [];
  readonly pending: PendingFlash[] = [];

  readVersion(bmc: BmcLogin, component: number | null = null): Promise<VersionRead> {
    this.reads.push(bmc.host);
    this.readComponents.push(component);
    const v = this.versions.get(bmc.host);
    const c = component === null ? null : { ...(this.componentVersions.get(bmc.host) ?? v) } as FirmwareVersion;
    return Promise.resolve(v ? { ok: true, firmware: { ...v }, component: c } : { ok: false, reason: FailureReason.UNREACHABLE });
  }

  flash(request: FlashRequest): Promise<FlashResult> {
    this.flashes.push(request.bmc.host);
    return new Promise((resolve) => {
      this.pending.push({
        request,
        finish: (r = {}) => {
          const outcome = r.outcome ?? BmcOutcome.FLASHED;
          if (outcome === BmcOutcome.FLASHED) this.versions.set(request.bmc.host, { ...request.target });
          resolve({ outcome, reason: r.reason ?? FailureReason.NONE, firmware: r.firmware ?? this.versions.get(request.bmc.host)!, detail: r.detail ?? '' });
        },
      });
    });
  }

  /** Finishes the oldest flash waiting. */
  finishNext(r?: Partial<FlashResult>): string {
    const p = this.pending.shift();
    if (!p) throw new Error('no flash is waiting');
    p.finish(r);
    return p.request.bmc.host;
  }
}

/** Lets the promises settled so far run their callbacks. */
export const settle = () => new Promise<void>((r) => setImmediate(r));
