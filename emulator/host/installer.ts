// The emulated host's installer (issue 14, step 4), given its two block devices: the BMC's CD-ROM with an install image
// (protocols/install-image/) and the disk it installs to. No sockets here: install-agent.ts attaches the drives over
// USB/IP and hands them in, so a test runs the whole install on in-memory devices and a manual clock.
//
// Phases, each reported with the share of the whole install done: verifying (the ISO 9660 Primary Volume Descriptor,
// ECMA-119 §8.4; the root directory; every file's SHA-256 against MANIFEST.SHA256), copying (the system file to the
// disk, hashed again as it is read), packages (each package's steps printed, `stepMs` apart), finishing (the system
// header written, the disk flushed). A failure is an InstallFailure with its InstallError code and a reason.
import { createHash } from 'node:crypto';
import { sleepOn, type Clock } from '../../runtime/clock.js';
import { DecodeError } from '../../protocols/errors.js';
import { InstallError, InstallPhase } from '../../protocols/ipmi/oem/install-progress.js';
import { CONFIG_FILE, decodeInstallConfig, type InstallConfig } from '../../protocols/install-image/install-config.js';
import { filesToVerify } from '../../protocols/install-image/install-image.js';
import { SYSTEM_HEADER_BYTES, encodeSystemHeader, type InstalledSystem } from '../../protocols/install-image/installed-system.js';
import { MANIFEST_FILE, decodeManifest } from '../../protocols/install-image/manifest.js';
import { decodePackageScript } from '../../protocols/install-image/package-script.js';
import { rootFiles, rootSpan, type IsoEntry } from '../../protocols/iso9660/iso-image.js';
import { ISO9660, SECTOR_BYTES } from '../../protocols/iso9660/fields.js';
import { FIRST_DESCRIPTOR_SECTOR, decodePrimaryVolumeDescriptor } from '../../protocols/iso9660/volume-descriptor.js';
import type { BlockDevice } from './virtual-media-disk.js';

/** An install that cannot go on: `code` goes into Get Install Progress, the message to the console and the report. */
export class InstallFailure extends Error {
  readonly code: InstallError;
  constructor(code: InstallError, message: string) {
    super(message);
    this.name = 'InstallFailure';
    this.code = code;
  }
}

/** A block device's read or write failed (the glue turns the transport's typed errors into this). */
export class BlockIoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockIoError';
  }
}

export interface InstallerHooks {
  clock: Clock;
  /** What the agent reports to its BMC (Set Install Progress); `percent` of the whole install. */
  report(phase: InstallPhase, percent: number, message: string, role: string): void;
  /** One console line (no line ending). */
  print(line: string): void;
  /** True once the host was powered off or reset: the install stops at its next step. */
  stopped(): boolean;
  /** Between two package steps. */
  stepMs: number;
}

/** Bytes a read or write moves at most: 60 CD sectors, within a USB/IP transfer of 120 KiB. */
const CHUNK_BYTES = 60 * SECTOR_BYTES;

/** Share of the install at the start of each phase (verifying runs 5-35, copying 35-75, packages 75-95). */
const PERCENT = { verifying: 5, copying: 35, packages: 75, finishing: 95 } as const;

export class Installer {
  private readonly cd: BlockDevice;
  private readonly disk: BlockDevice;
  private readonly hooks: InstallerHooks;
  private role = '';

  constructor(cd: BlockDevice, disk: BlockDevice, hooks: InstallerHooks) {
    this.cd = cd;
    this.disk = disk;
    this.hooks = hooks;
  }

  /** Installs the image on the disk; the system as it is now installed, or throws InstallFailure. */
  async run(hostname: string): Promise<InstalledSystem> {
    try {
      return await this.install(hostname);
    } catch (err) {
      if (this.hooks.stopped()) throw new InstallFailure(InstallError.INTERRUPTED, 'the host was powered off or reset');
      if (err instanceof DecodeError) {
        throw new InstallFailure(err.protocol === ISO9660 ? InstallError.NOT_ISO9660 : InstallError.BAD_IMAGE, err.message);
      }
      throw err;
    }
  }

  private async install(hostname: string): Promise<InstalledSystem> {
    this.step(InstallPhase.VERIFYING, PERCENT.verifying, 'checking the ISO 9660 volume descriptor');
    if (this.cd.blockSize !== SECTOR_BYTES) throw new InstallFailure(InstallError.NOT_ISO9660, `the CD-ROM's blocks are ${this.cd.blockSize} bytes, not ${SECTOR_BYTES}`);
    const pvd = decodePrimaryVolumeDescriptor(await this.readCd(FIRST_DESCRIPTOR_SECTOR, SECTOR_BYTES));
    const span = rootSpan(pvd);
    const root = rootFiles(pvd, await this.readCd(span.extent, span.sectors * SECTOR_BYTES));
    this.hooks.print(`bmcfleet-installer: volume ${pvd.volumeId}, ${root.length} files`);
    const manifestEntry = root.find((f) => f.name === MANIFEST_FILE);
    if (!manifestEntry) throw new InstallFailure(InstallError.BAD_IMAGE, `the image has no ${MANIFEST_FILE}`);
    const manifest = decodeManifest(await this.readFile(manifestEntry));
    const listed = filesToVerify(manifest, root, null);
    const total = listed.reduce((n, f) => n + f.size, 0) || 1;
    let done = 0;
    for (const f of listed) {
      const sum = await this.hashFile(f, (n) => {
        done += n;
        this.step(InstallPhase.VERIFYING, PERCENT.verifying + Math.floor(((PERCENT.copying - PERCENT.verifying) * done) / total), `checking ${f.name}`);
      });
      if (sum !== f.sha256) throw new InstallFailure(InstallError.BAD_CHECKSUM, `${f.name}: SHA-256 ${sum.slice(0, 16)}... is not the manifest's ${f.sha256.slice(0, 16)}...`);
      this.hooks.print(`bmcfleet-installer: ${f.name}: OK`);
    }
    const config = decodeInstallConfig(await this.readFile(root.find((f) => f.name === CONFIG_FILE)!));
    this.role = config.role;
    const files = filesToVerify(manifest, root, config);
    const system = files.find((f) => f.name === config.system)!;
    await this.copySystem(system, config);
    const packages = await this.installPackages(config, files);
    this.step(InstallPhase.FINISHING, PERCENT.finishing, 'writing the system header');
    const installed: InstalledSystem = {
      hostname, role: config.role, image: `${config.name} ${config.version}`, packages, systemBytes: system.size, systemSha256: system.sha256,
    };
    await this.write(0, encodeSystemHeader(installed));
    await this.disk.flush?.();
    return installed;
  }

  private async copySystem(system: IsoEntry & { sha256: string }, config: InstallConfig): Promise<void> {
    const need = SYSTEM_HEADER_BYTES + system.size;
    const have = this.disk.blockCount * this.disk.blockSize;
    if (need > have) throw new InstallFailure(InstallError.DISK_TOO_SMALL, `the system needs ${need} bytes, the disk has ${have}`);
    if (SYSTEM_HEADER_BYTES % this.disk.blockSize !== 0 || CHUNK_BYTES % this.disk.blockSize !== 0) {
      throw new InstallFailure(InstallError.DISK_TOO_SMALL, `the disk's ${this.disk.blockSize}-byte blocks do not divide ${SYSTEM_HEADER_BYTES}`);
    }
    this.hooks.print(`bmcfleet-installer: installing ${config.name} ${config.version} (${system.size} bytes) to the disk`);
    let at = SYSTEM_HEADER_BYTES;
    const hash = createHash('sha256');
    await this.eachChunk(system, async (chunk) => {
      hash.update(chunk);
      const padded = chunk.length % this.disk.blockSize === 0 ? chunk : Buffer.concat([chunk, Buffer.alloc(this.disk.blockSize - (chunk.length % this.disk.blockSize))]);
      await this.write(at / this.disk.blockSize, padded);
      at += chunk.length;
      const percent = PERCENT.copying + Math.floor(((PERCENT.packages - PERCENT.copying) * (at - SYSTEM_HEADER_BYTES)) / (system.size || 1));
      this.step(InstallPhase.COPYING, percent, `copying ${system.name}`);
    });
    // hashed again as it was read for the copy: what reached the disk must be what was checked
    const sum = hash.digest('hex');
    if (sum !== system.sha256) throw new InstallFailure(InstallError.BAD_CHECKSUM, `${system.name} changed while it was copied`);
  }

  private async installPackages(config: InstallConfig, files: readonly IsoEntry[]): Promise<string[]> {
    const names: string[] = [];
    for (const [i, file] of config.packages.entries()) {
      const pkg = decodePackageScript(await this.readFile(files.find((f) => f.name === file)!), file);
      const percent = PERCENT.packages + Math.floor(((PERCENT.finishing - PERCENT.packages) * i) / config.packages.length);
      this.step(InstallPhase.PACKAGES, percent, `installing ${pkg.name} ${pkg.version}`);
      this.hooks.print(`bmcfleet-installer: installing ${pkg.name} (${pkg.version})`);
      for (const line of pkg.steps) {
        await this.pause(this.hooks.stepMs);
        this.hooks.print(line);
      }
      names.push(pkg.name);
    }
    return names;
  }

  private step(phase: InstallPhase, percent: number, message: string): void {
    if (this.hooks.stopped()) throw new InstallFailure(InstallError.INTERRUPTED, 'the host was powered off or reset');
    this.hooks.report(phase, Math.min(100, percent), message, this.role);
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return sleepOn(this.hooks.clock, ms);
  }

  private async hashFile(f: IsoEntry, progress: (bytes: number) => void): Promise<string> {
    const hash = createHash('sha256');
    await this.eachChunk(f, async (chunk) => {
      hash.update(chunk);
      progress(chunk.length);
    });
    return hash.digest('hex');
  }

  private async readFile(f: IsoEntry): Promise<Buffer> {
    const out = Buffer.allocUnsafe(f.size);
    let at = 0;
    await this.eachChunk(f, async (chunk) => { at += chunk.copy(out, at); });
    return out;
  }

  /**
   * The file's bytes in chunks of at most CHUNK_BYTES, in order, each read into the same buffer (as a kernel reads
   * into its page cache): `use` is done with a chunk once it resolves. New memory for every chunk cost the shard's
   * garbage collector as much again as the reads themselves.
   */
  private async eachChunk(f: IsoEntry, use: (chunk: Buffer) => Promise<void>): Promise<void> {
    const into = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let off = 0; off < f.size; off += CHUNK_BYTES) {
      const n = Math.min(CHUNK_BYTES, f.size - off);
      await use((await this.readCd(f.extent + off / SECTOR_BYTES, n, into)).subarray(0, n));
    }
  }

  /** `bytes` from CD sector `sector` on (whole sectors read), into `into` when given. */
  private async readCd(sector: number, bytes: number, into?: Buffer): Promise<Buffer> {
    const sectors = Math.ceil(bytes / SECTOR_BYTES);
    if (sector + sectors > this.cd.blockCount) throw new InstallFailure(InstallError.NOT_ISO9660, `sector ${sector + sectors - 1} is past the CD's ${this.cd.blockCount}`);
    try {
      return await this.cd.read(sector, sectors, into);
    } catch (err) {
      if (err instanceof BlockIoError) throw new InstallFailure(InstallError.READ_ERROR, `reading CD sector ${sector}: ${err.message}`);
      throw err;
    }
  }

  private async write(lba: number, data: Buffer): Promise<void> {
    try {
      await this.disk.write(lba, data);
    } catch (err) {
      if (err instanceof BlockIoError) throw new InstallFailure(InstallError.WRITE_ERROR, `writing disk block ${lba}: ${err.message}`);
      throw err;
    }
  }
}
