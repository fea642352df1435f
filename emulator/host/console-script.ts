// What the emulated host prints on its serial console (ttyS0, 115200 8N1) after power-on, as a pure function of
// its identity and the time since power-on: firmware POST, the boot loader, kernel lines with timestamps, a login
// prompt, then one numbered log line every interval. Line n appears at offset(n) ms after power-on, so the output
// of any window can be computed on demand; nothing is stored per host.
import type { HostIdentity } from './host-identity.js';

/** Offset of the first kernel line: kernel timestamps count from here. */
const KERNEL_START_MS = 6_000;
const KERNEL = '6.1.0-27-amd64';
const KERNEL_BUILD = '#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)';
const CRLF = '\r\n';

interface TemplateLine {
  offsetMs: number;
  /** True for kernel lines, which carry a `[seconds.micros]` timestamp. */
  kernel: boolean;
  render(id: HostIdentity): string;
}

const firmware = (offsetMs: number, render: (id: HostIdentity) => string): TemplateLine => ({ offsetMs, kernel: false, render });
const kernel = (offsetMs: number, render: (id: HostIdentity) => string): TemplateLine => ({ offsetMs, kernel: true, render });
const text = (s: string) => () => s;

/** The boot, shared by every host (texts are rendered per host when asked for). Offsets strictly increase. */
const BOOT: readonly TemplateLine[] = [
  firmware(1_500, (id) => `${id.vendor} ${id.product}`),
  firmware(1_510, text('BIOS Version 2.14.1  Release Date 03/11/2024')),
  firmware(1_520, (id) => `System Serial Number: ${id.serial}`),
  firmware(1_800, (id) => `Processor: ${id.sockets} x ${id.cpuModel} (${id.threads} threads)`),
  firmware(2_600, (id) => `Memory: ${id.memoryGiB} GB ${id.memoryType} @ ${id.memoryMhz} MT/s ... OK`),
  firmware(3_000, text('Initializing PCIe devices ... done')),
  ...[0, 1].map((i) => firmware(3_100 + i * 10, (id) => {
    const nic = id.nics[i];
    return nic ? `${nic.name}: ${nic.model}  MAC ${nic.mac}` : `NIC${i + 1}: not present`;
  })),
  firmware(3_150, text('USB: 2 devices found (keyboard, virtual media)')),
  ...[0, 1].map((i) => firmware(3_200 + i * 10, (id) => {
    const disk = id.disks[i];
    return disk ? `NVMe ${disk.slot}: ${disk.model}` : 'NVMe: no device';
  })),
  firmware(3_400, text('Press <F2> to enter Setup, <F11> for Boot Menu, <F12> for PXE Boot')),
  firmware(4_400, (id) => `Booting from ${id.disks[0] ? `${id.disks[0].slot}: ${id.disks[0].model}` : 'network'}`),
  firmware(4_900, text('Welcome to GRUB!')),
  firmware(5_400, text("  Booting `Debian GNU/Linux'")),
  firmware(5_500, text(`Loading Linux ${KERNEL} ...`)),
  firmware(5_700, text('Loading initial ramdisk ...')),
  kernel(6_000, text(`Linux version ${KERNEL} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) ${KERNEL_BUILD}`)),
  kernel(6_001, (id) => `Command line: BOOT_IMAGE=/boot/vmlinuz-${KERNEL} root=UUID=${id.rootUuid} ro console=tty0 console=ttyS0,115200n8`),
  kernel(6_002, (id) => `DMI: ${id.vendor} ${id.product}/${id.board}, BIOS 2.14.1 03/11/2024`),
  kernel(6_040, (id) => `Memory: ${id.memoryGiB * 1_034_000}K/${id.memoryGiB * 1_048_576}K available`),
  kernel(6_180, (id) => `smp: Brought up ${id.sockets} node${id.sockets === 1 ? '' : 's'}, ${id.threads} CPUs`),
  kernel(6_900, text('Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled')),
  kernel(6_905, text('00:03: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A')),
  kernel(7_200, text('nvme nvme0: 48/0/0 default/read/poll queues')),
  kernel(7_260, text(' nvme0n1: p1 p2 p3')),
  kernel(7_800, text('EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode. Quota mode: none.')),
  kernel(8_100, text('systemd[1]: systemd 252.30-1~deb12u2 running in system mode')),
  kernel(8_200, (id) => `systemd[1]: Hostname set to <${id.hostname}>.`),
  kernel(9_000, (id) => `ice 0000:3b:00.0 eth0: NIC Link is up ${Math.round((id.nics[0]?.speedMbps ?? 25_000) / 1000)} Gbps, Flow Control: None`),
  // /etc/issue's first line: blank, or what an installer put there (the image and the host's role)
  firmware(9_800, (id) => (id.installed ? `bmcfleet ${id.installed.image}: role ${id.installed.role}` : '')),
  firmware(9_801, (id) => `Debian GNU/Linux 12 ${id.hostname} ttyS0`),
  firmware(9_802, text('')),
];

/** The login prompt ends the boot; it has no line ending (the cursor waits after it). */
const LOGIN_PROMPT_MS = 9_803;

export const BOOT_LINE_COUNT = BOOT.length + 1;
/** When the login prompt appears, ms after power-on. */
export const LOGIN_PROMPT_OFFSET_MS = LOGIN_PROMPT_MS;

export function loginPrompt(id: HostIdentity): string {
  return `${id.hostname} login: `;
}

/** `[    12.345678] `: seconds since the kernel started, six decimals, right-aligned like printk. */
export function kernelStamp(offsetMs: number, id: HostIdentity, n: number): string {
  const micros = Math.max(0, offsetMs - KERNEL_START_MS) * 1000 + jitter(id.seed, n);
  const seconds = Math.floor(micros / 1_000_000);
  return `[${String(seconds).padStart(5, ' ')}.${String(micros % 1_000_000).padStart(6, '0')}] `;
}

/** Deterministic 0-999 µs for line n (the kernel does not print on millisecond boundaries). */
function jitter(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) % 1000;
}

/** What a boot script tells HostConsole: line n's time after power-on and text, and how many lines are out by a time. */
export interface BootScript {
  /** When the login prompt is up, ms after the boot began (Infinity: never, the console takes no input). */
  readonly loginPromptMs: number;
  offset(n: number): number;
  countAt(elapsedMs: number): number;
  text(n: number): string;
}

/** A boot from the BMC's virtual CD-ROM: the firmware's POST, then the installer's boot loader; the installer prints the rest. */
const INSTALLER_BOOT: readonly TemplateLine[] = [
  ...BOOT.filter((line) => line.offsetMs < 4_400),
  firmware(4_400, text('Booting from USB CD-ROM: American Megatrends Virtual CDROM')),
  firmware(4_900, text('ISOLINUX 6.04  bmcfleet installer')),
  firmware(5_400, text('Loading the installer ...')),
];

/** When the installer starts, ms after power-on: its agent begins then. */
export const INSTALLER_START_MS = 5_500;

/** A script of fixed lines that ends (the installer's or the network boot firmware's): what follows is printed by the host. */
class FirmwareScript implements BootScript {
  readonly identity: HostIdentity;
  readonly loginPromptMs = Infinity;
  private readonly lines: readonly TemplateLine[];
  constructor(identity: HostIdentity, lines: readonly TemplateLine[]) {
    this.identity = identity;
    this.lines = lines;
  }

  offset(n: number): number {
    return n < this.lines.length ? this.lines[n].offsetMs : Infinity;
  }

  countAt(elapsedMs: number): number {
    let n = 0;
    while (n < this.lines.length && this.lines[n].offsetMs <= elapsedMs) n++;
    return n;
  }

  text(n: number): string {
    return this.lines[n].render(this.identity) + CRLF;
  }
}

export class InstallerScript extends FirmwareScript {
  constructor(identity: HostIdentity) {
    super(identity, INSTALLER_BOOT);
  }
}

/**
 * A boot from the network with the boot flags set to PXE: the firmware's POST, then the NIC's option ROM (iPXE, as a
 * NIC configured for iSCSI boot runs it); the host's iSCSI boot firmware prints the rest (iscsi-boot-agent.ts).
 */
const NETWORK_BOOT: readonly TemplateLine[] = [
  ...BOOT.filter((line) => line.offsetMs < 4_400),
  firmware(4_400, (id) => `Booting from network: ${id.nics[0] ? `${id.nics[0].name}: ${id.nics[0].model}` : 'NIC1'}`),
  firmware(4_410, text('iPXE initialising devices...ok')),
  firmware(4_420, text('iPXE 1.21.1 -- Open Source Network Boot Firmware -- https://ipxe.org')),
  firmware(4_430, text('Features: DNS HTTP iSCSI TFTP AoE ELF MBOOT PXE bzImage Menu PXEXT')),
  firmware(4_500, (id) => `net0: ${id.nics[0]?.mac ?? '00:00:00:00:00:00'} using ${id.nics[0]?.model ?? 'NIC1'} (open)`),
];

/** When the iSCSI boot firmware starts, ms after power-on: its agent begins then. */
export const NETWORK_BOOT_START_MS = 4_600;

export class NetworkBootScript extends FirmwareScript {
  constructor(identity: HostIdentity) {
    super(identity, NETWORK_BOOT);
  }
}

/** Where the disk's boot goes on when the firmware hands over without a power event (HostConsole.handOver). */
export const ResumeAt = {
  /** "Booting from <the disk>": the firmware falls back to the next boot device. */
  BOOT_DEVICE: 4_400,
  /** The boot loader ("Welcome to GRUB!"): a boot sector read from elsewhere (a SAN device) runs it. */
  BOOT_LOADER: 4_900,
} as const;
export type ResumeAt = typeof ResumeAt[keyof typeof ResumeAt];

/** The first resumed line appears this long after the hand-over (after what the firmware printed at that ms). */
const RESUME_LEAD_MS = 10;

/** A disk's boot script from `from` on, its first line RESUME_LEAD_MS after the hand-over; kernel timestamps unchanged. */
export class ResumedScript implements BootScript {
  private readonly inner: ConsoleScript;
  private readonly skip: number;
  private readonly shift: number;
  readonly loginPromptMs: number;

  constructor(inner: ConsoleScript, from: ResumeAt) {
    this.inner = inner;
    this.skip = BOOT.filter((line) => line.offsetMs < from).length;
    this.shift = from - RESUME_LEAD_MS;
    this.loginPromptMs = inner.loginPromptMs - this.shift;
  }

  offset(n: number): number {
    return this.inner.offset(n + this.skip) - this.shift;
  }

  countAt(elapsedMs: number): number {
    return Math.max(0, this.inner.countAt(elapsedMs + this.shift) - this.skip);
  }

  text(n: number): string {
    return this.inner.text(n + this.skip);
  }
}

/** The console script of one host: line n's time and text, for any n, with steady lines every `intervalMs`. */
export class ConsoleScript implements BootScript {
  readonly identity: HostIdentity;
  readonly intervalMs: number;
  readonly loginPromptMs = LOGIN_PROMPT_MS;

  constructor(identity: HostIdentity, intervalMs: number) {
    if (!(intervalMs >= 1)) throw new RangeError(`console line interval ${intervalMs} ms must be at least 1 ms`);
    this.identity = identity;
    this.intervalMs = intervalMs;
  }

  /** ms after power-on at which line n appears. */
  offset(n: number): number {
    if (n < BOOT.length) return BOOT[n].offsetMs;
    if (n === BOOT.length) return LOGIN_PROMPT_MS;
    return LOGIN_PROMPT_MS + (n - BOOT.length) * this.intervalMs;
  }

  /** How many lines have appeared `elapsedMs` after power-on (lines at offsets <= elapsedMs). */
  countAt(elapsedMs: number): number {
    if (elapsedMs < BOOT[0].offsetMs) return 0;
    if (elapsedMs < LOGIN_PROMPT_MS) {
      let lo = 0;
      let hi = BOOT.length; // first line with offset > elapsed lies in [lo, hi]
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (BOOT[mid].offsetMs <= elapsedMs) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    return BOOT.length + 1 + Math.floor((elapsedMs - LOGIN_PROMPT_MS) / this.intervalMs);
  }

  /** Line n as the serial port sends it (CR LF endings, except the login prompt). */
  text(n: number): string {
    const id = this.identity;
    if (n < BOOT.length) {
      const line = BOOT[n];
      return (line.kernel ? kernelStamp(line.offsetMs, id, n) : '') + line.render(id) + CRLF;
    }
    if (n === BOOT.length) return loginPrompt(id);
    const seq = n - BOOT.length;
    return `${kernelStamp(this.offset(n), id, n)}bmcfleet-console: ${id.hostname} heartbeat seq=${seq}${CRLF}`;
  }

  /** The steady line number carried by line n (1, 2, ...), or 0 for boot lines. */
  static sequenceOf(n: number): number {
    return Math.max(0, n - BOOT.length);
  }
}
