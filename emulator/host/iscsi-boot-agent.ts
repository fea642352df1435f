// The emulated host's iSCSI boot firmware (issue 15, step 5): what the host does when its BMC powers it on or restarts
// it with the boot flags set to PXE (IPMI Set System Boot Options parameter 5) and OEM parameter 104 naming a target,
// as a NIC whose option ROM is configured for iSCSI boot does instead of PXE. The firmware reads its boot parameters
// in-band from its BMC (OEM parameters 100-109); if parameter 102 names an iSNS server, registers its initiator there
// (as open-iscsi does: a target learns who may log in from the initiators registered in its discovery domains) and
// asks whether its initiator sees the target (DevAttrQry with its initiator name as Source: discovery domains
// decide); logs in to the portal as its initiator (a refused login is tried again a few times, while the target
// learns of the registration), reads the LUN's capacity and first blocks (READ CAPACITY, READ(10) from LBA 0), checks block 0 is a
// bootable MBR (55h AAh at bytes 510-511), and hands over to the boot loader found there. Each step goes to the BMC
// (Get iSCSI Boot Status) and to the console, in iPXE's words.
//
// On failure the console says why and the firmware falls back to the next boot device, the local disk, as a BIOS does
// when a network boot fails. The session is logged out before the hand-over (the emulated system does not use it);
// the iSNS registration stays until the server's registration period ends (nothing refreshes it).
// With a CHAP name in parameter 108 the login offers AuthMethod=CHAP,None and answers the target's challenge with the
// secret of 109 (RFC 7143 §12.1.3), as iPXE does with its username and password; a target that refuses it (02/01)
// fails the boot with the reason authentication, at once (another try would be refused the same way).
// An idle host holds nothing: no connection and no timer; a boot holds one connection at a time while it runs.
import type { Clock } from '../../runtime/clock.js';
import { formatHostPort } from '../../runtime/host-port.js';
import { DecodeError } from '../../protocols/errors.js';
import type { IscsiBootSettings } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import {
  ISCSI_BOOT_ERROR_NAMES, IscsiBootError, IscsiBootState, type IscsiBootReport,
} from '../../protocols/ipmi/oem/iscsi-boot-status.js';
import { parseIpv4 } from '../../protocols/ipv4.js';
import { LoginStatus } from '../../protocols/iscsi/login.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { SenseKey } from '../../protocols/scsi/sense.js';
import { IsnsClient, IsnsConnectionError, IsnsStatusError } from '../../clients/isns/isns-client.js';
import { IscsiCommandError, IscsiConnectionError, IscsiInitiator, IscsiLoginError } from '../../clients/iscsi/iscsi-initiator.js';
import { NETWORK_BOOT_START_MS, ResumeAt } from './console-script.js';
import type { BootHow, HostConsole } from './host-console.js';

export interface IscsiBootAgentOptions {
  clock: Clock;
  console: HostConsole;
  /** OEM parameters 100-109, read in-band from the BMC (the CHAP secret included). */
  settings(): IscsiBootSettings;
  /** The BMC's record of the boot (Get iSCSI Boot Status), written in process as the host's in-band path. */
  report(report: IscsiBootReport, now: number): void;
  /** The run number the BMC last recorded. */
  lastRun(): number;
  /** Each network wait: iSNS, connecting, each iSCSI answer (default 5 s). */
  timeoutMs?: number;
}

/** iPXE's first SAN drive: the BIOS drive number the boot sector is loaded from. */
const SAN_DRIVE = '0x80';
/** Logins tried when the target refuses (RFC 7143 §11.13.5 status 02/xx); the wait between two. */
const LOGIN_ATTEMPTS = 4;
const LOGIN_RETRY_MS = 1_000;
/** Blocks read from LBA 0: the MBR and what a boot loader reads right after it. */
const FIRST_BLOCKS = 8;
/** Bytes 510-511 of a bootable MBR: 55h AAh. */
const MBR_SIGNATURE_AT = 510;

class BootFailure extends Error {
  readonly code: IscsiBootError;
  constructor(code: IscsiBootError, message: string) {
    super(message);
    this.code = code;
  }
}

interface Run {
  run: number;
  stopped: boolean;
  targetName: string;
  lun: number;
  /** The disk boot to fall back to. */
  fallback: BootHow;
  timer: { cancel(): void } | null;
  /** Closes what the run holds open (the iSNS client or the iSCSI session). */
  release: (() => void) | null;
}

/** A netmask's prefix length: 255.255.255.0 -> 24. */
function prefixLength(netmask: string): number {
  let n = parseIpv4(netmask);
  let bits = 0;
  while (n & 0x80000000) {
    bits++;
    n = (n << 1) >>> 0;
  }
  return bits;
}

/** The printable opening of a boot sector's code area (the emulated targets put a message there), or "". */
function bootMessage(block: Buffer): string {
  const text = block.toString('latin1', 0, 440).split(/[\0\r\n]/)[0];
  return /^[\x20-\x7e]{1,120}$/.test(text) ? text : '';
}

export class IscsiBootAgent {
  private readonly o: IscsiBootAgentOptions;
  private current: Run | null = null;

  constructor(options: IscsiBootAgentOptions) {
    this.o = options;
  }

  /** True while an iSCSI boot runs. */
  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * The host powers on or restarts at `now` with its BIOS taking the PXE boot override and the NIC configured for iSCSI
   * boot; `fallback` is the disk boot used when the iSCSI boot fails. Returns how the console boots.
   */
  boot(now: number, fallback: BootHow): BootHow {
    this.interrupt(now);
    const r: Run = { run: this.o.lastRun() + 1, stopped: false, targetName: '', lun: 0, fallback, timer: null, release: null };
    this.current = r;
    this.progress(r, IscsiBootState.BOOTING, 'starting the iSCSI boot firmware');
    r.timer = this.o.clock.setTimeout(() => {
      r.timer = null;
      this.execute(r).catch((err: unknown) => queueMicrotask(() => { throw err; })); // a bug: it must surface
    }, NETWORK_BOOT_START_MS);
    return { from: 'network' };
  }

  /** The host powers off or restarts: an iSCSI boot under way is interrupted (and reported so). */
  interrupt(now: number): void {
    const r = this.current;
    if (!r) return;
    this.close();
    this.o.report({ run: r.run, state: IscsiBootState.FAILED, error: IscsiBootError.INTERRUPTED, lun: r.lun, targetName: r.targetName,
      message: 'the host was powered off or reset during the iSCSI boot' }, now);
  }

  close(): void {
    const r = this.current;
    if (!r) return;
    r.stopped = true;
    r.timer?.cancel();
    r.release?.();
    this.current = null;
  }

  private progress(r: Run, state: IscsiBootState, message: string, error: IscsiBootError = IscsiBootError.NONE): void {
    if (r.stopped) return; // interrupt() reported it
    this.o.report({ run: r.run, state, error, lun: r.lun, targetName: r.targetName, message }, this.o.clock.now());
  }

  private print(line: string): void {
    this.o.console.print(this.o.clock.now(), `${line}\r\n`);
  }

  /** Throws BootFailure INTERRUPTED when the run was stopped while it waited (interrupt() has reported it). */
  private check(r: Run): void {
    if (r.stopped) throw new BootFailure(IscsiBootError.INTERRUPTED, 'interrupted');
  }

  private async execute(r: Run): Promise<void> {
    try {
      const s = this.o.settings();
      r.targetName = s.targetName;
      r.lun = s.lun ?? 0;
      const { address, netmask, gateway } = s.initiator;
      this.print(`iSCSI initiator ${s.initiatorName || '(none)'} on net0: ${address}/${prefixLength(netmask)} gw ${gateway}`);
      if (s.targetName === '' || s.initiatorName === '' || s.lun === null || s.portal.address === '0.0.0.0' || s.portal.port === 0) {
        throw new BootFailure(IscsiBootError.NO_TARGET, s.lun === null ? 'the boot LUN is not a single-level LUN'
          : `the boot parameters name no ${s.targetName === '' ? 'target' : s.initiatorName === '' ? 'initiator' : 'portal'}`);
      }
      if (s.isns) await this.askIsns(r, s, s.isns);
      const lun = s.lun;
      this.print(`sanboot iscsi:${s.portal.address}::${s.portal.port}:${lun.toString(16)}:${s.targetName}`);
      if (s.chapName !== '') this.print(`login with CHAP as ${s.chapName}`);
      this.progress(r, IscsiBootState.BOOTING, `logging in to ${s.targetName} at ${formatHostPort(s.portal.address, s.portal.port)}`);
      const session = await this.login(r, s);
      r.release = () => session.close();
      const block0 = await this.readBootSector(r, session, lun);
      r.release = null;
      await session.logout().catch(() => session.close()); // the boot sector is read: a failed logout changes nothing
      this.check(r);
      const message = bootMessage(block0.data);
      this.print(`Registered SAN device ${SAN_DRIVE}: ${s.targetName} LUN ${lun}, ${block0.sizeMb} MB`);
      this.print(`Booting from SAN device ${SAN_DRIVE}`);
      if (message) this.print(message);
      this.current = null;
      this.progress(r, IscsiBootState.BOOTED, `booted from ${s.targetName} LUN ${lun}`);
      this.o.console.handOver(this.o.clock.now(), ResumeAt.BOOT_LOADER);
    } catch (err) {
      r.release?.();
      r.release = null;
      if (r.stopped || this.current !== r) return; // interrupt() reported it
      const failure = err instanceof BootFailure ? err : null;
      if (failure === null) {
        this.progress(r, IscsiBootState.FAILED, `internal error: ${(err as Error).message}`);
        this.current = null;
        throw err;
      }
      this.progress(r, IscsiBootState.FAILED, failure.message, failure.code);
      this.print(`Could not boot from SAN device ${SAN_DRIVE}: ${failure.message} (${ISCSI_BOOT_ERROR_NAMES[failure.code]})`);
      this.print('No more network devices');
      this.current = null;
      this.o.console.handOver(this.o.clock.now(), ResumeAt.BOOT_DEVICE, r.fallback.installed ?? null);
    }
  }

  /** DevAttrQry for the target with the initiator as Source (RFC 4171 §5.6.5.2): DD scoping answers for this host alone. */
  private async askIsns(r: Run, s: IscsiBootSettings, server: { address: string; port: number }): Promise<void> {
    const where = formatHostPort(server.address, server.port);
    this.progress(r, IscsiBootState.BOOTING, `asking the iSNS server at ${where} for ${s.targetName}`);
    let client: IsnsClient | null = null;
    try {
      client = await IsnsClient.connect({ host: server.address, port: server.port, source: s.initiatorName, timeoutMs: this.timeoutMs, clock: this.o.clock });
      const held = client;
      r.release = () => { void held.close(); };
      this.check(r);
      await this.register(client, s.initiatorName, where);
      this.check(r);
      const node = await client.node(s.targetName);
      this.check(r);
      if (node === null) throw new BootFailure(IscsiBootError.ISNS_NOT_VISIBLE, `the iSNS server at ${where} does not show ${s.targetName} to ${s.initiatorName}`);
      const portals = node.portals.map((p) => formatHostPort(p.ip, p.port)).join(', ');
      this.print(`iSNS ${where}: ${s.targetName} at ${portals || 'no portal'}`);
    } catch (err) {
      if (err instanceof IsnsConnectionError || err instanceof DecodeError) {
        throw new BootFailure(IscsiBootError.ISNS_UNREACHABLE, `the iSNS server at ${where} did not answer: ${err.message}`);
      }
      if (err instanceof IsnsStatusError) {
        throw new BootFailure(IscsiBootError.ISNS_NOT_VISIBLE, `the iSNS server at ${where} refused the query: ${err.message}`);
      }
      throw err;
    } finally {
      r.release = null;
      await client?.close();
    }
  }

  /**
   * DevAttrReg of the initiator's own entity, named after it, so every boot registers the same one again. A server
   * that refuses it (the name held by another entity, say) is not fatal: the query still answers for the initiator.
   */
  private async register(client: IsnsClient, initiatorName: string, where: string): Promise<void> {
    try {
      await client.register({ eid: initiatorName, nodes: [{ name: initiatorName, type: NodeType.INITIATOR }] });
    } catch (err) {
      if (!(err instanceof IsnsStatusError)) throw err;
      this.print(`iSNS ${where}: ${initiatorName} not registered (${err.message})`);
    }
  }

  private async login(r: Run, s: IscsiBootSettings): Promise<IscsiInitiator> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.loginOnce(r, s);
      } catch (err) {
        if (!(err instanceof BootFailure) || err.code !== IscsiBootError.LOGIN_REFUSED || attempt >= LOGIN_ATTEMPTS) throw err;
      }
      await this.pause(r, LOGIN_RETRY_MS);
    }
  }

  /** Waits `ms` on the clock; an interrupt ends the wait (then BootFailure INTERRUPTED). */
  private async pause(r: Run, ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = this.o.clock.setTimeout(() => { r.release = null; resolve(); }, ms);
      r.release = () => { timer.cancel(); resolve(); };
    });
    this.check(r);
  }

  private async loginOnce(r: Run, s: IscsiBootSettings): Promise<IscsiInitiator> {
    try {
      const session = await IscsiInitiator.login({
        host: s.portal.address, port: s.portal.port, initiatorName: s.initiatorName, targetName: s.targetName, timeoutMs: this.timeoutMs, clock: this.o.clock,
        ...(s.chapName !== '' ? { chap: { name: s.chapName, secret: Buffer.from(s.chapSecret, 'utf8') } } : {}),
      });
      if (r.stopped) {
        session.close();
        this.check(r);
      }
      return session;
    } catch (err) {
      if (err instanceof IscsiLoginError) {
        const authentication = err.status === LoginStatus.authenticationFailure;
        throw new BootFailure(authentication ? IscsiBootError.AUTHENTICATION : IscsiBootError.LOGIN_REFUSED, err.message);
      }
      if (err instanceof IscsiConnectionError || err instanceof DecodeError) throw new BootFailure(IscsiBootError.LOGIN_FAILED, err.message);
      throw err;
    }
  }

  /** READ CAPACITY, then READ(10) of the first blocks; block 0 must be a bootable MBR. */
  private async readBootSector(r: Run, session: IscsiInitiator, lun: number): Promise<{ data: Buffer; sizeMb: number }> {
    this.progress(r, IscsiBootState.BOOTING, `reading ${r.targetName} LUN ${lun}`);
    let capacity: { blockCount: number; blockSize: number };
    try {
      capacity = await session.readCapacity(lun);
    } catch (err) {
      if (err instanceof IscsiCommandError && (err.sense?.key === SenseKey.notReady || (err.sense?.key === SenseKey.illegalRequest && err.sense.asc === 0x25))) {
        throw new BootFailure(IscsiBootError.NO_LUN, `${r.targetName} has no LUN ${lun} ready: ${err.message}`);
      }
      throw this.readFailure(err);
    }
    this.check(r);
    if (capacity.blockCount === 0 || capacity.blockSize < MBR_SIGNATURE_AT + 2) {
      throw new BootFailure(IscsiBootError.NOT_BOOTABLE, `LUN ${lun} has ${capacity.blockCount} blocks of ${capacity.blockSize} bytes: no boot sector`);
    }
    let blocks: Buffer;
    try {
      blocks = await session.read(lun, 0, Math.min(FIRST_BLOCKS, capacity.blockCount), capacity.blockSize);
    } catch (err) {
      throw this.readFailure(err);
    }
    this.check(r);
    const data = blocks.subarray(0, capacity.blockSize);
    if (data[MBR_SIGNATURE_AT] !== 0x55 || data[MBR_SIGNATURE_AT + 1] !== 0xaa) {
      throw new BootFailure(IscsiBootError.NOT_BOOTABLE, `block 0 of LUN ${lun} has no boot signature (55 AA)`);
    }
    return { data, sizeMb: Math.floor((capacity.blockCount * capacity.blockSize) / 1e6) };
  }

  private readFailure(err: unknown): BootFailure {
    if (err instanceof IscsiCommandError || err instanceof IscsiConnectionError || err instanceof DecodeError) {
      return new BootFailure(IscsiBootError.READ_ERROR, err.message);
    }
    throw err;
  }

  private get timeoutMs(): number {
    return this.o.timeoutMs ?? 5_000;
  }
}
