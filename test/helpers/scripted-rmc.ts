// A small scripted RMC for the manager's tests, written from the README's exchange with the protocol's own codecs:
// the real RMC (emulator/rack/) is being built by someone else, and the manager's tests must not wait for it. It
// answers Prepare and Poll at once (WRONG_PRODUCT when the image is for another product than its BMCs), checks every command with the real CommandVerifier, takes chunks only at its
// nextOffset, verifies the image against the manifest (SHA-256 and size), answers Flash, Pause, Resume and Abort
// with a Progress, and at the flash time "flashes" its BMCs at once and sends its Rack Report pages unsolicited.
// `drop` hooks let a test lose what it receives or sends.
import { createHash } from 'node:crypto';
import { formatIpv4, parseIpv4 } from '../../protocols/ipv4.js';
import { CommandVerifier } from '../../protocols/rollout/command-verifier.js';
import { MessageType } from '../../protocols/rollout/header.js';
import type { TrustedKey } from '../../protocols/rollout/keys.js';
import { decodeManifest } from '../../protocols/rollout/manifest.js';
import { decodeMessage, encodeMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import type { ProductIds } from '../../protocols/rollout/prepare.js';
import { BmcOutcome, FailureReason, MAX_BMC_ENTRIES, RackPhase, type BmcEntry, type RackStatus } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';

export interface ScriptedRmcOptions {
  rmcId: number;
  bmcCount?: number;
  trustedKeys: TrustedKey[];
  readiness?: Readiness;
  /** Whom its BMCs say they are. Default: manufacturer 32473, product 1 (the harness's image's). */
  product?: ProductIds;
  /** Chunks it takes beyond nextOffset. Default 8. */
  window?: number;
  /** Verify Results to fail (with this outcome) before one passes. */
  failVerifications?: number;
  /** Default MANIFEST_SHA256: bytes damaged on the way, the failure worth another attempt. */
  failWith?: VerifyOutcome;
  /** Never answers anything. */
  silent?: boolean;
  /** Before its image is verified a Pause leaves its phase as it is (prepared, receiving), as the emulator's RMC does. */
  pausesOnlyOnceVerified?: boolean;
}

type Message = ReturnType<typeof decodeMessage>;

/** Its BMCs' addresses: 1,024 per RMC from 127.100.0.0. */
const BMC_BASE = parseIpv4('127.100.0.0');

export class ScriptedRmc {
  readonly rmcId: number;
  readonly address: string;
  /** Every message received that passed the checks, by type (chunks included). */
  readonly heard: Message[] = [];
  /** Offsets of the chunks it stored, in order. */
  readonly stored: number[] = [];
  /** Offers of an image it had already verified (answered Verify Result OK again). */
  offersAfterVerified = 0;
  /** Times each BMC was flashed. */
  readonly flashes: number[];
  /** Drop what arrives (true: lost before the RMC sees it) or what it would send. */
  dropIn: (m: Message) => boolean = () => false;
  dropOut: (m: RolloutMessage) => boolean = () => false;
  silent: boolean;
  phase: RackPhase = RackPhase.PREPARED;
  private readonly o: ScriptedRmcOptions;
  private readonly verifier: CommandVerifier;
  private image: Buffer[] = [];
  private held = 0;
  private manifestSha: Buffer | null = null;
  private manifestSize = 0;
  private verifiedSha: Buffer | null = null;
  private failuresLeft: number;
  private flashTimeMs: number | null = null;
  private paused = false;
  private outcomes: BmcEntry[];
  private rolloutId = 0;
  private sequence = 1;

  constructor(o: ScriptedRmcOptions) {
    this.o = o;
    this.rmcId = o.rmcId;
    this.address = `127.50.${o.rmcId >> 8}.${o.rmcId & 0xff}`;
    this.silent = o.silent ?? false;
    this.verifier = new CommandVerifier({ rmcId: o.rmcId, trustedKeys: o.trustedKeys });
    this.failuresLeft = o.failVerifications ?? 0;
    const count = o.bmcCount ?? 3;
    this.flashes = new Array(count).fill(0);
    this.outcomes = Array.from({ length: count }, (_, i) => ({
      address: formatIpv4(BMC_BASE + o.rmcId * 1024 + i + 1), outcome: BmcOutcome.PENDING, reason: FailureReason.NONE, firmware: { major: 1, minor: 0 },
    }));
  }

  get nextOffset(): number { return this.held; }

  /** One datagram from the manager at `nowMs`: the answers it sends back. */
  handle(bytes: Uint8Array, nowMs: number): Buffer[] {
    const m = decodeMessage(bytes);
    if (this.silent || this.dropIn(m)) return [];
    if (m.auth !== null || m.type !== MessageType.IMAGE_CHUNK) {
      const verdict = this.verifier.check(m, nowMs);
      if (!verdict.ok) throw new Error(`RMC ${this.rmcId} refuses a ${m.type}: ${verdict.reason}`);
    }
    this.heard.push(m);
    this.rolloutId = m.rolloutId;
    switch (m.type) {
      case MessageType.PREPARE: case MessageType.POLL: {
        const product = this.o.product ?? { manufacturerId: 32473, productId: 1 };
        const forUs = m.body.manufacturerId === product.manufacturerId && m.body.productId === product.productId;
        return this.out({ type: MessageType.PREPARE_REPLY, body: {
          readiness: forUs ? this.o.readiness ?? Readiness.READY : Readiness.WRONG_PRODUCT, address: this.address, bmcCount: this.outcomes.length,
          ...product, replyDelayUs: 0, rackName: `rack-${this.rmcId}`,
        } });
      }
      case MessageType.IMAGE_OFFER: return this.offer(m.body.manifest);
      case MessageType.IMAGE_CHUNK: return this.chunk(m.body.offset, m.body.data);
      case MessageType.FLASH:
        if (this.over()) return this.report();
        this.flashTimeMs = m.body.flashTimeMs;
        return this.progress();
      case MessageType.PAUSE: this.paused = true; return this.over() ? this.report() : this.progress();
      case MessageType.RESUME: this.paused = false; return this.over() ? this.report() : this.progress();
      case MessageType.ABORT: return this.abort();
      default: return [];
    }
  }

  /** At the flash time (and not paused): flashes every BMC not at the version and reports the rack. */
  tick(nowMs: number): Buffer[] {
    if (this.silent || this.flashTimeMs === null || nowMs < this.flashTimeMs || this.paused || this.over()) return [];
    this.outcomes.forEach((e, i) => {
      this.flashes[i]++;
      this.outcomes[i] = { ...e, outcome: BmcOutcome.FLASHED, firmware: { major: 2, minor: 0 } };
    });
    this.phase = RackPhase.DONE;
    return this.report();
  }

  private over(): boolean { return this.phase === RackPhase.DONE || this.phase === RackPhase.ABORTED; }

  private offer(manifestBytes: Uint8Array): Buffer[] {
    const manifest = decodeManifest(manifestBytes);
    const sha = Buffer.from(manifest.imageSha256);
    if (this.verifiedSha?.equals(sha)) {
      this.offersAfterVerified++;
      return this.out({ type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK, imageSha256: sha } });
    }
    if (!this.manifestSha?.equals(sha)) this.reset();
    this.manifestSha = sha;
    this.manifestSize = manifest.imageSize;
    this.phase = RackPhase.RECEIVING;
    return this.ack();
  }

  private chunk(offset: number, data: Uint8Array): Buffer[] {
    if (this.manifestSha === null) return [];
    if (offset === this.held && this.held < this.manifestSize) {
      this.image.push(Buffer.from(data));
      this.held += data.length;
      this.stored.push(offset);
      if (this.held === this.manifestSize) return [...this.ack(), ...this.verify()];
    }
    return this.ack();
  }

  private verify(): Buffer[] {
    const sha = createHash('sha256').update(Buffer.concat(this.image)).digest();
    let result: VerifyOutcome = sha.equals(this.manifestSha!) ? VerifyOutcome.OK : VerifyOutcome.MANIFEST_SHA256;
    if (result === VerifyOutcome.OK && this.failuresLeft > 0) {
      this.failuresLeft--;
      result = this.o.failWith ?? VerifyOutcome.MANIFEST_SHA256;
    }
    if (result === VerifyOutcome.OK) {
      this.verifiedSha = sha;
      this.phase = RackPhase.VERIFIED;
    } else {
      this.reset();
    }
    return this.out({ type: MessageType.VERIFY_RESULT, body: { result, imageSha256: sha } });
  }

  private reset(): void {
    this.image = [];
    this.held = 0;
  }

  private ack(): Buffer[] {
    return this.out({ type: MessageType.TRANSFER_ACK, body: { nextOffset: this.held, window: this.o.window ?? 8 } });
  }

  private abort(): Buffer[] {
    if (!this.over()) {
      this.outcomes = this.outcomes.map((e) => e.outcome === BmcOutcome.PENDING ? { ...e, outcome: BmcOutcome.FAILED, reason: FailureReason.ABORTED } : e);
      this.phase = RackPhase.ABORTED;
    }
    return this.report();
  }

  private status(entries: BmcEntry[], firstIndex: number): RackStatus {
    const count = (o: BmcOutcome) => this.outcomes.filter((e) => e.outcome === o).length;
    return {
      phase: this.paused && !this.over() && (this.verifiedSha || !this.o.pausesOnlyOnceVerified) ? RackPhase.PAUSED : this.phase, bmcCount: this.outcomes.length,
      flashed: count(BmcOutcome.FLASHED), skipped: count(BmcOutcome.SKIPPED), failed: count(BmcOutcome.FAILED), firstIndex, entries,
    };
  }

  private progress(): Buffer[] {
    return this.out({ type: MessageType.PROGRESS, body: this.status(this.outcomes.slice(0, Math.min(4, MAX_BMC_ENTRIES)), 0) });
  }

  private report(): Buffer[] {
    const pages: Buffer[] = [];
    for (let first = 0; first < this.outcomes.length || first === 0; first += MAX_BMC_ENTRIES) {
      pages.push(...this.out({ type: MessageType.RACK_REPORT, body: this.status(this.outcomes.slice(first, first + MAX_BMC_ENTRIES), first) }));
      if (this.outcomes.length === 0) break;
    }
    return pages;
  }

  private out(partial: { type: RolloutMessage['type']; body: unknown }): Buffer[] {
    const m = { ...partial, rolloutId: this.rolloutId, rmcId: this.rmcId, sequence: this.sequence++ } as RolloutMessage;
    return this.dropOut(m) ? [] : [encodeMessage(m)];
  }
}
