// The iSCSI boot parameters the BMC keeps for the host's firmware: System Boot Options OEM parameters 100-109,
// bytes as protocols/ipmi/commands/iscsi-boot-parameters.ts lays them out (README "bmcfleet OEM boot parameters: iSCSI boot"). Kept as the
// parameter data; the CHAP secret is written over IPMI but read back empty (write-only), while the host's own
// firmware (in-band, emulator/host) reads it through `config`.
import {
  ISCSI_FIXED_LENGTH, ISCSI_STRING_BLOCK_BYTES, ISCSI_STRING_BLOCKS, IscsiBootParam, StringAssembler, decodeInitiatorAddress,
  decodeIsnsServer, decodeTargetLun, decodeTargetPortal, isnsServerOf, type IscsiBootSettings,
} from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import type { BootOptionRead, BootOptionWrite } from './boot-option-result.js';

const STRING_PARAMS: readonly number[] = [IscsiBootParam.INITIATOR_NAME, IscsiBootParam.TARGET_NAME, IscsiBootParam.CHAP_NAME, IscsiBootParam.CHAP_SECRET];
const FIXED_PARAMS = Object.keys(ISCSI_FIXED_LENGTH).map(Number) as (keyof typeof ISCSI_FIXED_LENGTH)[];

/** Parameter number -> its bytes as hex (strings: all 16 blocks). */
export type IscsiBootState = Record<string, string>;

export class IscsiBootParameters {
  /** Parameter -> every block of the string, 256 bytes. */
  private readonly strings = new Map<number, Buffer>();
  private readonly fixed = new Map<number, Buffer>();

  constructor() {
    for (const p of STRING_PARAMS) this.strings.set(p, Buffer.alloc(ISCSI_STRING_BLOCK_BYTES * ISCSI_STRING_BLOCKS));
    for (const p of FIXED_PARAMS) this.fixed.set(p, Buffer.alloc(ISCSI_FIXED_LENGTH[p]));
  }

  /** Whether `param` is one of these (100-102, 104-106, 108, 109). */
  static has(param: number): boolean {
    return STRING_PARAMS.includes(param) || param in ISCSI_FIXED_LENGTH;
  }

  /** Parameter 104 holds a target name (its first byte is not the terminating NUL). */
  get namesTarget(): boolean {
    return this.strings.get(IscsiBootParam.TARGET_NAME)![0] !== 0;
  }

  read(param: number, setSelector: number): BootOptionRead {
    const s = this.strings.get(param);
    if (s) {
      if (setSelector >= ISCSI_STRING_BLOCKS) return { ok: false, error: 'out-of-range' };
      // the secret is write-only: its blocks answer with no bytes (README "bmcfleet OEM boot parameters: iSCSI boot")
      if (param === IscsiBootParam.CHAP_SECRET) return { ok: true, locked: false, data: Buffer.from([setSelector]) };
      return { ok: true, locked: false, data: Buffer.concat([Buffer.from([setSelector]), this.block(s, setSelector)]) };
    }
    const f = this.fixed.get(param);
    return f ? { ok: true, locked: false, data: Buffer.from(f) } : { ok: false, error: 'unsupported' };
  }

  /** `data`: the parameter data of a Set, of a length the codec already checked. */
  write(param: number, data: Uint8Array): BootOptionWrite {
    const s = this.strings.get(param);
    if (s) {
      if (data[0] >= ISCSI_STRING_BLOCKS) return { ok: false, error: 'out-of-range' };
      const block = this.block(s, data[0]);
      block.fill(0);
      block.set(data.subarray(1));
      return { ok: true };
    }
    const f = this.fixed.get(param);
    if (!f) return { ok: false, error: 'unsupported' };
    if (data.length !== f.length) return { ok: false, error: 'length' };
    f.set(data);
    return { ok: true };
  }

  private block(s: Buffer, n: number): Buffer {
    return s.subarray(n * ISCSI_STRING_BLOCK_BYTES, (n + 1) * ISCSI_STRING_BLOCK_BYTES);
  }

  private text(param: number): string {
    const s = this.strings.get(param)!;
    const a = new StringAssembler();
    for (let b = 0; b < ISCSI_STRING_BLOCKS && a.add(this.block(s, b)); b++);
    return a.value;
  }

  /**
   * Everything, as the host's firmware reads it in-band. A LUN field in another addressing method reads as null;
   * `isns` is there only when 102 names a server.
   */
  get config(): IscsiBootSettings {
    const initiator = decodeInitiatorAddress(this.fixed.get(IscsiBootParam.INITIATOR_ADDRESS)!);
    const portal = decodeTargetPortal(this.fixed.get(IscsiBootParam.TARGET_PORTAL)!);
    const isns = isnsServerOf(decodeIsnsServer(this.fixed.get(IscsiBootParam.ISNS_SERVER)!));
    let lun: number | null = null;
    try {
      lun = decodeTargetLun(this.fixed.get(IscsiBootParam.TARGET_LUN)!).lun;
    } catch { /* not single level: the firmware cannot use it */ }
    return {
      initiatorName: this.text(IscsiBootParam.INITIATOR_NAME),
      initiator: { address: initiator.address, netmask: initiator.netmask, gateway: initiator.gateway },
      ...(isns ? { isns } : {}),
      targetName: this.text(IscsiBootParam.TARGET_NAME),
      portal: { address: portal.address, port: portal.port },
      lun,
      chapName: this.text(IscsiBootParam.CHAP_NAME),
      chapSecret: this.text(IscsiBootParam.CHAP_SECRET),
    };
  }

  toJSON(): IscsiBootState {
    return Object.fromEntries([...this.strings, ...this.fixed].map(([p, b]) => [p, b.toString('hex')]));
  }

  load(state: IscsiBootState): void {
    for (const [p, hex] of Object.entries(state)) {
      const into = this.strings.get(Number(p)) ?? this.fixed.get(Number(p));
      const b = Buffer.from(hex, 'hex');
      if (into && b.length === into.length) into.set(b);
    }
  }
}
