// The host's installation agent as a state machine on a manual clock (emulator/host/install-agent.ts), without sockets:
// which boots start an install, what each reports, and that an idle host holds no timer; plus the BIOS side
// (BootOptions.takeCdromBoot) and the console's installer and installed-system boots.
import { createServer, type Socket } from 'node:net';
import t from 'tap';
import { ManualClock } from '../../runtime/manual-clock.js';
import { InstallAgent } from '../../emulator/host/install-agent.js';
import { HostConsole } from '../../emulator/host/host-console.js';
import { INSTALLER_START_MS } from '../../emulator/host/console-script.js';
import { hostIdentityOf } from '../../emulator/bmc/host-link.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { InstallError, InstallPhase, type InstallProgress } from '../../protocols/ipmi/oem/install-progress.js';

function setup(o: { cd?: boolean; usbip?: { bmc: string; port: number; timeoutMs: number; attachRetryMs: number[]; attachPatienceMs: number } } = {}) {
  const clock = new ManualClock(10_000);
  const model = new BmcModel({ ip: '127.9.0.1', now: 0 });
  const console = new HostConsole({ identity: hostIdentityOf(model), clock, powerOn: true, now: clock.now() });
  const reports: (InstallProgress & { at: number })[] = [];
  const drives = { cd: o.cd ?? true, generation: 1, ejected: 0 };
  const agent = new InstallAgent({
    bmc: o.usbip?.bmc ?? '127.9.0.1', usbipPort: o.usbip?.port ?? 1, timeoutMs: o.usbip?.timeoutMs, attachRetryMs: o.usbip?.attachRetryMs, attachPatienceMs: o.usbip?.attachPatienceMs, clock, console,
    report: (p, at) => reports.push({ ...p, at }),
    lastRun: () => reports[reports.length - 1]?.run ?? 0,
    drives: {
      cdromInserted: () => drives.cd,
      ensureDisk: async () => true,
      ejectCdrom: () => { drives.ejected++; },
      diskGeneration: () => drives.generation,
    },
  });
  return { clock, console, reports, agent, drives };
}

t.test('a boot without a CD override is the plain disk boot: nothing reported, no timer', (t) => {
  const s = setup();
  t.same(s.agent.boot(s.clock.now(), false), { installed: null });
  t.same(s.reports, []);
  t.equal(s.clock.pending, 0, 'an idle host holds no timer');
  t.notOk(s.agent.busy);
  t.end();
});

t.test('a CD boot with an empty CD-ROM boots from disk and reports no-medium as a failed run', (t) => {
  const s = setup({ cd: false });
  t.same(s.agent.boot(s.clock.now(), true), { installed: null });
  t.match(s.reports, [{ run: 1, phase: InstallPhase.FAILED, error: InstallError.NO_MEDIUM, at: 10_000 }]);
  t.equal(s.clock.pending, 0);
  t.end();
});

t.test('a CD boot with a medium boots the installer, reports attaching, and starts once the installer is loaded', (t) => {
  const s = setup();
  t.same(s.agent.boot(s.clock.now(), true), { from: 'installer' });
  t.match(s.reports, [{ run: 1, phase: InstallPhase.ATTACHING, percent: 0, error: InstallError.NONE }]);
  t.ok(s.agent.busy);
  t.equal(s.clock.pending, 1, 'one timer: the installer loading');
  t.end();
});

t.test('powered off or reset before the installer runs: interrupted, the timer gone, no connection made', (t) => {
  const s = setup();
  s.agent.boot(s.clock.now(), true);
  s.clock.advance(INSTALLER_START_MS - 1);
  s.agent.powerOff(s.clock.now());
  t.match(s.reports[1], { run: 1, phase: InstallPhase.FAILED, error: InstallError.INTERRUPTED });
  t.equal(s.clock.pending, 0);
  t.notOk(s.agent.busy);
  s.agent.boot(s.clock.now(), true);
  t.match(s.reports[2], { run: 2, phase: InstallPhase.ATTACHING }, 'the next CD boot is the next run');
  s.agent.boot(s.clock.now(), false);
  t.match(s.reports[3], { run: 2, phase: InstallPhase.FAILED, error: InstallError.INTERRUPTED }, 'a reset interrupts it too');
  t.equal(s.clock.pending, 0);
  t.end();
});

/** Resolves once `ready()` holds, letting real I/O run in between. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setTimeout(resolve, 5));
}

t.test('a BMC whose USB/IP export never answers: each attach is asked again after a pause (the last pause repeating), each try reported, until the patience runs out: attach-failed', async (t) => {
  const connections: Socket[] = [];
  const silent = createServer((s) => connections.push(s)); // accepts, reads, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { for (const c of connections) c.destroy(); silent.close(); });
  const port = (silent.address() as { port: number }).port;
  const s = setup({ usbip: { bmc: '127.0.0.1', port, timeoutMs: 1_000, attachRetryMs: [100, 200], attachPatienceMs: 3_400 } });
  const at = s.clock.now();
  s.agent.boot(at, true);
  s.clock.advance(INSTALLER_START_MS);
  // tries at 0, 1.1 s and 2.3 s, each unanswered for 1 s; a fourth would start at 3.5 s: past the 3.4 s patience
  for (const [attempt, pause] of [[1, 100], [2, 200], [3, 0]]) {
    await until(() => connections.length === attempt);
    s.clock.advance(1_000); // the import (here the device list before it) goes unanswered
    if (pause === 0) break;
    await until(() => s.console.text(at * 1024, s.clock.now()).includes(`trying again in ${pause / 1000} s`));
    t.match(s.reports[attempt], { run: 1, phase: InstallPhase.ATTACHING, message: `waiting for the BMC's virtual CD-ROM (try ${attempt + 1})` }, `attempt ${attempt}: still attaching, and says so`);
    s.clock.advance(pause);
  }
  await until(() => s.reports.length === 4);
  t.match(s.reports[3], { run: 1, phase: InstallPhase.FAILED, error: InstallError.ATTACH_FAILED, message: /no answer within 1000 ms/ });
  t.equal(connections.length, 3, 'three attempts: the first and one after each pause');
  t.notOk(s.agent.busy);
});

t.test('powered off while it waits to attach again: interrupted at once, no timer left', async (t) => {
  const connections: Socket[] = [];
  const silent = createServer((s) => connections.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { for (const c of connections) c.destroy(); silent.close(); });
  const port = (silent.address() as { port: number }).port;
  const s = setup({ usbip: { bmc: '127.0.0.1', port, timeoutMs: 1_000, attachRetryMs: [60_000], attachPatienceMs: 600_000 } });
  const at = s.clock.now();
  s.agent.boot(at, true);
  s.clock.advance(INSTALLER_START_MS);
  await until(() => connections.length === 1);
  s.clock.advance(1_000);
  await until(() => s.console.text(at * 1024, s.clock.now()).includes('trying again in 60 s'));
  s.agent.powerOff(s.clock.now());
  t.match(s.reports[s.reports.length - 1], { run: 1, phase: InstallPhase.FAILED, error: InstallError.INTERRUPTED });
  t.equal(s.clock.pending, 0, 'the pause\'s timer is gone with the run');
  t.equal(connections.length, 1, 'no attempt after the power-off');
});

t.test('BIOS: takeCdromBoot takes a one-time CD override and clears it; leaves any other override alone', (t) => {
  const m = new BmcModel({ ip: '127.9.0.2', now: 0 });
  t.notOk(m.bootOptions.takeCdromBoot(), 'no override');
  m.bootOptions.write(5, Uint8Array.from([0x80, 0x14, 0, 0, 0]), false); // ipmitool chassis bootdev cdrom
  t.ok(m.bootOptions.takeCdromBoot());
  t.equal(m.bootDevice, 'none', 'one time only');
  m.bootOptions.write(5, Uint8Array.from([0xc0, 0x20, 0, 0, 0]), false); // persistent remote-cdrom
  t.ok(m.bootOptions.takeCdromBoot());
  t.equal(m.bootDevice, 'remote-cdrom', 'a persistent one stays');
  m.bootOptions.write(5, Uint8Array.from([0x80, 0x04, 0, 0, 0]), false); // pxe
  t.notOk(m.bootOptions.takeCdromBoot());
  t.equal(m.bootDevice, 'pxe', 'not consumed: as before');
  t.end();
});

t.test('console: the installer boot shows POST then the CD boot loader and what the installer prints; an installed boot shows the role', (t) => {
  const s = setup();
  const at = s.clock.now();
  s.console.boot(at, { from: 'installer' });
  t.ok(s.console.inInstaller);
  s.clock.advance(INSTALLER_START_MS + 100);
  s.console.print(s.clock.now(), 'bmcfleet-installer: hello\r\n');
  s.clock.advance(60_000);
  const text = s.console.text(at * 1024, s.clock.now());
  t.match(text, /Press <F2>[^]*Booting from USB CD-ROM: American Megatrends Virtual CDROM\r\n[^]*Loading the installer \.\.\.\r\nbmcfleet-installer: hello\r\n$/);
  t.notMatch(text, /GRUB|login:/, 'no disk boot while the installer runs');
  const again = s.clock.now();
  s.console.boot(again, { installed: { role: 'compute', image: 'demo 1.0' } });
  s.clock.advance(10_000);
  const booted = s.console.text(again * 1024, s.clock.now());
  t.match(booted, /\r\nbmcfleet demo 1\.0: role compute\r\nDebian GNU\/Linux 12 node-127-009-000-001 ttyS0\r\n\r\nnode-127-009-000-001 login: $/);
  t.end();
});
