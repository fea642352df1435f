// The emulated host's installation agent (issue 14, step 4): what the host does when its BMC powers it on or cycles it
// with the next boot set to CD (IPMI Set System Boot Options parameter 5) and a medium in the virtual CD-ROM. The host
// then boots the installer: it attaches its BMC's CD-ROM and disk over USB/IP (real TCP to the BMC's address, as
// virtual-media-disk.ts does), runs installer.ts on them, reports each step to its BMC (Get Install Progress) and on
// its console, ejects the CD and boots the installed system from the disk.
//
// An idle host holds nothing: no connection, no timer; the drives are attached only while an install runs. A boot
// without a CD boot override, or with one but an empty CD-ROM, is the plain boot from disk it always was (the empty
// CD-ROM is reported as a failed install, no-medium).
import type { Clock } from '../../runtime/clock.js';
import { DecodeError } from '../../protocols/errors.js';
import {
  INSTALL_ERROR_NAMES, InstallError, InstallPhase, type InstallProgress,
} from '../../protocols/ipmi/oem/install-progress.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { SenseKey } from '../../protocols/scsi/sense.js';
import { BulkOnlyError } from '../../clients/usbip/bulk-only-host.js';
import { EnumerationError } from '../../clients/usbip/enumerate.js';
import { ControlRequestError } from '../../clients/usbip/remote-function.js';
import { ScsiHostError, SenseError } from '../../clients/usbip/scsi-host.js';
import { UsbipConnectionError, UsbipStatusError, UsbipTimeoutError } from '../../clients/usbip/usbip-client.js';
import { INSTALLER_START_MS } from './console-script.js';
import type { BootHow, HostConsole } from './host-console.js';
import type { InstalledIdentity } from './host-identity.js';
import { BlockIoError, InstallFailure, Installer } from './installer.js';
import { DriveNotListedError, VirtualMediaDisk, type BlockDevice } from './virtual-media-disk.js';

/** What the agent needs of its BMC's virtual media. */
export interface InstallDrives {
  cdromInserted(): boolean;
  /** Puts the host's own disk into an empty disk drive; resolves false when the drive stays empty. */
  ensureDisk(): Promise<boolean>;
  ejectCdrom(): void;
  /** Changes on every insert and eject of the disk: a system installed on an older medium is gone. */
  diskGeneration(): number;
}

export interface InstallAgentOptions {
  /** The BMC's address: its drives are exported there over USB/IP. */
  bmc: string;
  usbipPort: number;
  clock: Clock;
  console: HostConsole;
  drives: InstallDrives;
  /** The BMC's record of the install (Set Install Progress in process, as the host's in-band path). */
  report(progress: InstallProgress, now: number): void;
  /** The run number the BMC last recorded. */
  lastRun(): number;
  /** Between two package steps (default 100 ms). */
  stepMs?: number;
  /** Each USB/IP wait (default 30 s, the SCSI command timeout a Linux host gives a disk: sd.h SD_TIMEOUT). */
  timeoutMs?: number;
  /**
   * Pauses before each new attempt to attach a drive whose USB/IP connection or import went unanswered (default 1, 2,
   * 4, then 8 s again and again); the agent keeps trying for `attachPatienceMs` (default 10 min), as a host's firmware
   * waits for its boot medium, and reports each try so the manager sees it alive.
   */
  attachRetryMs?: readonly number[];
  attachPatienceMs?: number;
}

/** Typed errors of the USB/IP, Bulk-Only and SCSI layers: a drive that cannot be reached or read, not a bug. */
function isTransportError(err: unknown): err is Error {
  return err instanceof UsbipConnectionError || err instanceof UsbipStatusError || err instanceof UsbipTimeoutError
    || err instanceof BulkOnlyError || err instanceof ScsiHostError || err instanceof SenseError || err instanceof EnumerationError
    || err instanceof ControlRequestError || err instanceof DriveNotListedError || err instanceof DecodeError;
}

/** A drive whose transport failures reach the installer as BlockIoError. */
function blockDevice(d: VirtualMediaDisk): BlockDevice {
  const io = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      if (isTransportError(err)) throw new BlockIoError(err.message);
      throw err;
    }
  };
  return {
    get blockSize() { return d.blockSize; },
    get blockCount() { return d.blockCount; },
    read: (lba, blocks, into) => io(d.read(lba, blocks, into)),
    write: (lba, data) => io(d.write(lba, data)),
    flush: () => io(d.flush()),
    close: () => d.close(),
  };
}

interface Run {
  run: number;
  stopped: boolean;
  role: string;
  timer: { cancel(): void } | null;
  devices: VirtualMediaDisk[];
}

export class InstallAgent {
  private readonly o: InstallAgentOptions;
  private current: Run | null = null;
  /** The system this agent installed, on the disk medium of that generation. */
  private installed: { identity: InstalledIdentity; diskGeneration: number } | null = null;

  constructor(options: InstallAgentOptions) {
    this.o = options;
  }

  /** True while an install runs (its drives may be attached). */
  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * The host powers on or restarts at `now`; `cdBoot` says the BIOS found a one-time CD boot override. Returns how the
   * console boots. An install under way is interrupted.
   */
  boot(now: number, cdBoot: boolean): BootHow {
    this.stop(now);
    if (!cdBoot) return this.diskBoot();
    const run = this.o.lastRun() + 1;
    if (!this.o.drives.cdromInserted()) {
      this.o.report({ run, phase: InstallPhase.FAILED, percent: 0, error: InstallError.NO_MEDIUM, message: 'no medium in the virtual CD-ROM: booted from disk', role: '' }, now);
      return this.diskBoot();
    }
    const r: Run = { run, stopped: false, role: '', timer: null, devices: [] };
    this.current = r;
    this.progress(r, InstallPhase.ATTACHING, 0, 'booting the installer from the virtual CD-ROM');
    r.timer = this.o.clock.setTimeout(() => {
      r.timer = null;
      this.execute(r).catch((err: unknown) => queueMicrotask(() => { throw err; })); // a bug: it must surface
    }, INSTALLER_START_MS);
    return { from: 'installer' };
  }

  /** The host powers off: an install under way is interrupted. */
  powerOff(now: number): void {
    this.stop(now);
  }

  close(): void {
    const r = this.current;
    if (!r) return;
    r.stopped = true;
    r.timer?.cancel();
    for (const d of r.devices) d.close();
    this.current = null;
  }

  private diskBoot(): BootHow {
    const i = this.installed;
    return { installed: i && i.diskGeneration === this.o.drives.diskGeneration() ? i.identity : null };
  }

  private stop(now: number): void {
    const r = this.current;
    if (!r) return;
    this.close();
    this.o.report({ run: r.run, phase: InstallPhase.FAILED, percent: 0, error: InstallError.INTERRUPTED, message: 'the host was powered off or reset during the install', role: r.role }, now);
  }

  private progress(r: Run, phase: InstallPhase, percent: number, message: string, error: InstallError = InstallError.NONE): void {
    if (r.stopped) return; // stop() reported it: a stopped run reports nothing more
    this.o.report({ run: r.run, phase, percent, error, message, role: r.role }, this.o.clock.now());
  }

  private print(line: string): void {
    this.o.console.print(this.o.clock.now(), `${line}\r\n`);
  }

  private async execute(r: Run): Promise<void> {
    const { console: host, drives } = this.o;
    this.print(`bmcfleet-installer: run ${r.run} on ${host.identity.hostname}`);
    try {
      const cd = await this.attach(r, DriveKind.cdrom);
      if (!(await drives.ensureDisk())) throw new InstallFailure(InstallError.NO_DISK, 'the disk drive holds no medium');
      if (r.stopped) throw new InstallFailure(InstallError.INTERRUPTED, 'the host was powered off or reset');
      const disk = await this.attach(r, DriveKind.disk);
      const diskGeneration = drives.diskGeneration();
      const installer = new Installer(blockDevice(cd), blockDevice(disk), {
        clock: this.o.clock, stepMs: this.o.stepMs ?? 100, stopped: () => r.stopped,
        print: (line) => this.print(line),
        report: (phase, percent, message, role) => {
          r.role = role;
          this.progress(r, phase, percent, message);
        },
      });
      const system = await installer.run(host.identity.hostname);
      for (const d of r.devices) d.close();
      r.devices = [];
      if (r.stopped) return;
      this.progress(r, InstallPhase.FINISHING, 98, 'ejecting the virtual CD-ROM');
      drives.ejectCdrom();
      this.installed = { identity: { role: system.role, image: system.image }, diskGeneration };
      this.print(`bmcfleet-installer: ${system.image} installed as ${system.hostname}, role ${system.role}; rebooting from disk`);
      this.current = null;
      this.progress(r, InstallPhase.DONE, 100, `installed ${system.image}`);
      host.boot(this.o.clock.now(), this.diskBoot());
    } catch (err) {
      for (const d of r.devices) d.close();
      r.devices = [];
      if (r.stopped || this.current !== r) return; // stop() reported it
      const failure = err instanceof InstallFailure ? err
        : isTransportError(err) ? new InstallFailure(this.attachError(err), err.message) : null;
      if (failure === null) {
        this.progress(r, InstallPhase.FAILED, 0, `internal error: ${(err as Error).message}`);
        this.current = null;
        throw err;
      }
      this.progress(r, InstallPhase.FAILED, 0, failure.message, failure.code);
      this.print(`bmcfleet-installer: FAILED (${INSTALL_ERROR_NAMES[failure.code]}): ${failure.message}`);
      this.current = null;
    }
  }

  private attachError(err: Error): InstallError {
    return err instanceof SenseError && err.key === SenseKey.notReady ? InstallError.NO_MEDIUM : InstallError.ATTACH_FAILED;
  }

  /** Waits `ms` on the run's timer, which a power-off or reset cancels: the wait then ends at once. */
  private pause(r: Run, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => { r.timer = null; resolve(); }, ms);
      r.timer = { cancel: () => { timer.cancel(); resolve(); } };
    });
  }

  /**
   * Attaches `drive`; a BMC too busy to answer the connection or the import is asked again after a pause, as a host's
   * firmware keeps waiting for its virtual media to enumerate, and a BMC that answers "no" is not.
   */
  private async attach(r: Run, drive: DriveKind): Promise<VirtualMediaDisk> {
    const pauses = this.o.attachRetryMs ?? [1_000, 2_000, 4_000, 8_000];
    const giveUpAt = this.o.clock.now() + (this.o.attachPatienceMs ?? 600_000);
    const options = { bmc: this.o.bmc, port: this.o.usbipPort, drive, clock: this.o.clock, timeoutMs: this.o.timeoutMs ?? 30_000, readyTimeoutMs: 2_000 };
    const name = drive === DriveKind.cdrom ? 'CD-ROM' : 'disk';
    let d: VirtualMediaDisk | null = null;
    for (let attempt = 0; d === null; attempt++) {
      try {
        d = await VirtualMediaDisk.attach(options);
      } catch (err) {
        const unanswered = err instanceof UsbipTimeoutError || err instanceof UsbipConnectionError;
        const pause = pauses[Math.min(attempt, pauses.length - 1)];
        if (!unanswered || this.o.clock.now() + pause >= giveUpAt || r.stopped) throw err;
        this.print(`bmcfleet-installer: ${name} not attached (${err.message}); trying again in ${pause / 1000} s`);
        this.progress(r, InstallPhase.ATTACHING, 0, `waiting for the BMC's virtual ${name} (try ${attempt + 2})`);
        await this.pause(r, pause);
        if (r.stopped) throw new InstallFailure(InstallError.INTERRUPTED, 'the host was powered off or reset');
      }
    }
    if (r.stopped) {
      d.close();
      throw new InstallFailure(InstallError.INTERRUPTED, 'the host was powered off or reset');
    }
    r.devices.push(d);
    return d;
  }
}
