// System boot options the BMC keeps for the host's BIOS — IPMI 2.0 §28.12/§28.13, Table 28-14
// (boot option parameters 0-7: set in progress, service partition, valid-bit clearing, ack, flags, initiator;
// and the OEM parameters 100-109, the iSCSI boot parameters of iscsi-boot.ts), kept as the parameter data bytes
// (protocols/ipmi/commands/boot-options.ts reads and writes them).
import { BOOT_MAILBOX_BLOCK_BYTES, BootDeviceCode, BootParam } from '../../protocols/ipmi/commands/boot-options.js';
import { SetInProgress } from '../../protocols/ipmi/commands/config-parameters.js';
import type { BootOptionRead, BootOptionWrite } from './boot-option-result.js';
import { IscsiBootParameters, type IscsiBootState } from './iscsi-boot.js';
import { writeSetInProgress } from './lan-config.js';

/** BootDeviceCode's key in lower case with '-' for '_' ('remote-cdrom'): how the control API names a boot device. */
type DeviceName<K extends string> = K extends `${infer A}_${infer B}` ? `${Lowercase<A>}-${DeviceName<B>}` : Lowercase<K>;

export type BootDevice = DeviceName<keyof typeof BootDeviceCode> | 'reserved';

export type { BootOptionError, BootOptionRead, BootOptionWrite } from './boot-option-result.js';

const DEVICE_NAMES = new Map<number, BootDevice>(
  Object.entries(BootDeviceCode).map(([key, code]) => [code, key.toLowerCase().replaceAll('_', '-') as BootDevice]));

/** Boot flags data 1 bits. */
const FLAGS_VALID = 0x80;
const FLAGS_PERSISTENT = 0x40;
const FLAGS_EFI = 0x20;

export const BOOT_MAILBOX_BLOCKS = 16;

/** Data length of each parameter as Get returns it (the mailbox adds its block selector). */
const READ_LENGTH: Record<number, number> = { 0: 1, 1: 1, 2: 1, 3: 1, 4: 2, 5: 5, 6: 9, 7: 1 + BOOT_MAILBOX_BLOCK_BYTES };


export interface BootOverride {
  valid: boolean;
  persistent: boolean;
  efi: boolean;
  device: BootDevice;
}

export function bootDeviceName(code: number): BootDevice {
  return DEVICE_NAMES.get(code & 0x0f) ?? 'reserved';
}

/** `iscsi` is absent in files written before the iSCSI boot parameters. */
export interface BootOptionsState { params: Record<string, string>; locked: number[]; mailbox: string[]; iscsi?: IscsiBootState }

export class BootOptions {
  private setInProgress: number = SetInProgress.COMPLETE;
  /** Parameters 1-6 by number, each READ_LENGTH bytes. */
  private readonly params = new Map<number, Buffer>();
  /** Parameters whose "parameter valid" bit was set to 1 (invalid/locked) by the last write. */
  private readonly locked = new Set<number>();
  private readonly mailbox: Buffer[] = [];
  /** OEM parameters 100-109 (iSCSI boot). */
  readonly iscsi = new IscsiBootParameters();

  constructor() {
    for (let p = 1; p <= 6; p++) this.params.set(p, Buffer.alloc(READ_LENGTH[p]));
    for (let b = 0; b < BOOT_MAILBOX_BLOCKS; b++) this.mailbox.push(Buffer.alloc(BOOT_MAILBOX_BLOCK_BYTES));
  }

  /** Plain data for a state directory: the non-volatile parameters 1-7 (set in progress is volatile, §28.12). */
  toJSON(): BootOptionsState {
    return {
      params: Object.fromEntries([...this.params].map(([p, b]) => [p, b.toString('hex')])),
      locked: [...this.locked],
      mailbox: this.mailbox.map((b) => b.toString('hex')),
      iscsi: this.iscsi.toJSON(),
    };
  }

  load(state: BootOptionsState): void {
    for (const [p, hex] of Object.entries(state.params)) {
      const b = Buffer.from(hex, 'hex');
      if (this.params.has(Number(p)) && b.length === READ_LENGTH[Number(p)]) this.params.set(Number(p), b);
    }
    this.locked.clear();
    for (const p of state.locked) this.locked.add(p);
    state.mailbox.forEach((hex, i) => {
      const b = Buffer.from(hex, 'hex');
      if (i < BOOT_MAILBOX_BLOCKS && b.length === BOOT_MAILBOX_BLOCK_BYTES) this.mailbox[i] = b;
    });
    if (state.iscsi) this.iscsi.load(state.iscsi);
  }

  /** Get System Boot Options: parameter data for `param` (set selector picks the mailbox block). */
  read(param: number, setSelector: number): BootOptionRead {
    const locked = this.locked.has(param);
    switch (param) {
      case BootParam.SET_IN_PROGRESS:
        return { ok: true, locked, data: Buffer.from([this.setInProgress]) };
      case BootParam.BOOT_INFO_ACK:
        // Data 1 is the write mask, meaningful only in Set; it reads back as 0.
        return { ok: true, locked, data: Buffer.from([0x00, this.param(param)[1]]) };
      case BootParam.BOOT_INITIATOR_MAILBOX:
        if (setSelector >= BOOT_MAILBOX_BLOCKS) return { ok: false, error: 'out-of-range' };
        return { ok: true, locked, data: Buffer.concat([Buffer.from([setSelector]), this.mailbox[setSelector]]) };
      default: {
        if (IscsiBootParameters.has(param)) {
          const r = this.iscsi.read(param, setSelector);
          return r.ok ? { ...r, locked } : r;
        }
        const stored = this.params.get(param);
        if (!stored) return { ok: false, error: 'unsupported' };
        return { ok: true, locked, data: Buffer.from(stored) };
      }
    }
  }

  /** Set System Boot Options: `data` is the parameter data; `lock` is request byte 1 bit 7 ("mark invalid/locked"). */
  write(param: number, data: Uint8Array, lock: boolean): BootOptionWrite {
    if (param > BootParam.BOOT_INITIATOR_MAILBOX && !IscsiBootParameters.has(param)) return { ok: false, error: 'unsupported' };
    const result = IscsiBootParameters.has(param) ? this.iscsi.write(param, data) : this.store(param, data);
    if (result.ok) {
      if (lock) this.locked.add(param);
      else this.locked.delete(param);
    }
    return result;
  }

  private store(param: number, data: Uint8Array): BootOptionWrite {
    if (param === BootParam.BOOT_INITIATOR_MAILBOX) {
      if (data.length < 1 || data.length > 1 + BOOT_MAILBOX_BLOCK_BYTES) return { ok: false, error: 'length' };
      if (data[0] >= BOOT_MAILBOX_BLOCKS) return { ok: false, error: 'out-of-range' };
      const block = Buffer.alloc(BOOT_MAILBOX_BLOCK_BYTES);
      block.set(data.subarray(1));
      this.mailbox[data[0]] = block;
      return { ok: true };
    }
    if (data.length !== READ_LENGTH[param]) return { ok: false, error: 'length' };
    switch (param) {
      case BootParam.SET_IN_PROGRESS: {
        const next = writeSetInProgress(this.setInProgress, data[0]);
        if (next === 'reserved') return { ok: false, error: 'value' };
        if (next === 'locked') return { ok: false, error: 'set-in-progress' };
        this.setInProgress = next;
        return { ok: true };
      }
      case BootParam.BOOT_INFO_ACK: {
        // Data 1 is a write mask over data 2.
        const stored = this.param(param);
        const [mask, bits] = data;
        stored[1] = (stored[1] & ~mask) | (bits & mask);
        return { ok: true };
      }
      default:
        this.params.set(param, Buffer.from(data));
        return { ok: true };
    }
  }

  private param(p: number): Buffer {
    return this.params.get(p) as Buffer;
  }

  /** The override the BIOS would see now (boot flags, parameter 5). */
  get override(): BootOverride {
    const flags = this.param(BootParam.BOOT_FLAGS);
    return {
      valid: (flags[0] & FLAGS_VALID) !== 0,
      persistent: (flags[0] & FLAGS_PERSISTENT) !== 0,
      efi: (flags[0] & FLAGS_EFI) !== 0,
      device: bootDeviceName(flags[1] >> 2),
    };
  }

  /** The device the next boot will use: the boot flags' device while they are valid, else 'none'. */
  get bootDevice(): BootDevice {
    const o = this.override;
    return o.valid ? o.device : 'none';
  }

  /**
   * What the host's BIOS does at POST: read the override and, unless it is persistent, clear the valid bit
   * (§28.12: "options apply to next boot only").
   */
  consumeOverride(): BootOverride {
    const o = this.override;
    if (o.valid && !o.persistent) this.param(BootParam.BOOT_FLAGS)[0] &= ~FLAGS_VALID;
    return o;
  }

  /**
   * What the host's BIOS does at POST when it can boot the BMC's virtual CD-ROM: true when the boot flags ask for a CD
   * (cdrom or remote-cdrom) and are valid, and then, unless persistent, the valid bit is cleared as consumeOverride()
   * does. Any other override is left as it is.
   */
  takeCdromBoot(): boolean {
    return this.takeOverride((device) => device === 'cdrom' || device === 'remote-cdrom');
  }

  /**
   * What the host's BIOS does at POST with a NIC configured for iSCSI boot: true when the boot flags ask for PXE and are
   * valid and OEM parameter 104 names a target (the option ROM then boots from iSCSI instead of PXE), and then, unless
   * persistent, the valid bit is cleared as consumeOverride() does. PXE without a target is left as it is.
   */
  takeIscsiBoot(): boolean {
    return this.takeOverride((device) => device === 'pxe' && this.iscsi.namesTarget);
  }

  /** Consumes a valid override whose device `wanted` accepts (true), or leaves the flags as they are (false). */
  private takeOverride(wanted: (device: BootDevice) => boolean): boolean {
    const o = this.override;
    if (!o.valid || !wanted(o.device)) return false;
    this.consumeOverride();
    return true;
  }

  /** A BMC reset leaves nobody mid-update: set-in-progress returns to "set complete". */
  resetSetInProgress(): void {
    this.setInProgress = SetInProgress.COMPLETE;
  }
}
