// The host's iSCSI boot firmware (emulator/host/iscsi-boot-agent.ts) on a manual clock, against an emulated target and
// iSNS server over real TCP on 127.149.x.x (ports 18310-18311): the BIOS side (BootOptions.takeIscsiBoot), what each
// boot reports, the console it prints (iPXE's lines, then GRUB and the login prompt, or the reason and the disk),
// DD scoping through iSNS and through the target's login check, a missing LUN, a LUN with no boot sector, and an
// interrupted boot; a target that demands CHAP (parameters 108/109: booted with the right secret, authentication
// with a wrong one or none); an idle host holds no timer.
import t from 'tap';
import { ManualClock } from '../../runtime/manual-clock.js';
import { TargetFleet } from '../../emulator/fleet/target-fleet.js';
import { IscsiBootAgent } from '../../emulator/host/iscsi-boot-agent.js';
import type { IscsiBootSettings } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import { HostConsole } from '../../emulator/host/host-console.js';
import { NETWORK_BOOT_START_MS } from '../../emulator/host/console-script.js';
import { hostIdentityOf } from '../../emulator/bmc/host-link.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { encodeBootParameter, bootParameterNumber } from '../../protocols/ipmi/commands/boot-options.js';
import { iscsiBootWrites } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import { IscsiBootError, IscsiBootState, type IscsiBootReport } from '../../protocols/ipmi/oem/iscsi-boot-status.js';

const ISNS = { address: '127.149.0.1', port: 18310 };
const PORTAL = { address: '127.149.1.1', port: 18311 };
const TARGET = 'iqn.2026-11.org.bmcfleet:boot-7';
const HOST_A = 'iqn.2026-12.org.example:host-a';
const HOST_B = 'iqn.2026-12.org.example:host-b';
const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

const settings = (over: Partial<IscsiBootSettings> = {}): IscsiBootSettings => ({
  initiatorName: HOST_A, initiator: { address: '127.149.2.1', netmask: '255.255.0.0', gateway: '127.149.0.254' }, isns: ISNS,
  targetName: TARGET, portal: PORTAL, lun: 0, chapName: '', chapSecret: '', ...over,
});

function setup(s: IscsiBootSettings) {
  const clock = new ManualClock(1_000_000);
  const model = new BmcModel({ ip: '127.149.9.1', now: 0 });
  const console = new HostConsole({ identity: hostIdentityOf(model), clock, powerOn: false, now: clock.now() });
  const reports: (IscsiBootReport & { at: number })[] = [];
  const agent = new IscsiBootAgent({
    clock, console, settings: () => s, timeoutMs: 3000,
    report: (r, at) => reports.push({ ...r, at }), lastRun: () => reports[reports.length - 1]?.run ?? 0,
  });
  /** Powers on into the network boot and lets the firmware run to its end (booted or failed). */
  const bootToEnd = async () => {
    console.boot(clock.now(), agent.boot(clock.now(), { installed: null }));
    clock.advance(NETWORK_BOOT_START_MS);
    // the clock runs at twice real time: a refused login is tried again after 1 s of it
    for (let waited = 0; agent.busy && waited < 8000; waited += 10) {
      await tick();
      clock.advance(20);
    }
    return reports[reports.length - 1];
  };
  /** The console from power-on to 12 s after now. */
  const text = () => {
    clock.advance(12_000);
    return console.text(0, clock.now(), 5000);
  };
  return { clock, console, reports, agent, bootToEnd, text };
}

t.test('the BIOS side: a valid PXE override and a target named in 104 (and only then) take the iSCSI boot', (t) => {
  const m = new BmcModel({ ip: '127.149.9.2', now: 0 });
  const pxe = (persistent: boolean) => m.bootOptions.write(5, Uint8Array.of(0x80 | (persistent ? 0x40 : 0), 0x04, 0, 0, 0), false);
  pxe(false);
  t.notOk(m.bootOptions.takeIscsiBoot(), 'PXE with no target: the old PXE boot');
  t.equal(m.bootOptions.bootDevice, 'pxe', '... and the override is left as it is');
  for (const p of iscsiBootWrites({ ...settings(), lun: 0 })) m.bootOptions.write(bootParameterNumber(p), encodeBootParameter(p), false);
  t.ok(m.bootOptions.iscsi.namesTarget);
  t.ok(m.bootOptions.takeIscsiBoot());
  t.equal(m.bootOptions.bootDevice, 'none', 'a one-time override is used up');
  t.notOk(m.bootOptions.takeIscsiBoot(), 'the next boot is the disk');
  pxe(true);
  t.ok(m.bootOptions.takeIscsiBoot());
  t.ok(m.bootOptions.takeIscsiBoot(), 'a persistent override stays');
  m.bootOptions.write(5, Uint8Array.of(0x80, 0x14, 0, 0, 0), false); // CD-ROM
  t.notOk(m.bootOptions.takeIscsiBoot(), 'another device: not this');
  t.end();
});

t.test('a boot reports booting and holds one timer until the firmware starts; power off: interrupted, nothing held', (t) => {
  const s = setup(settings());
  s.console.boot(s.clock.now(), s.agent.boot(s.clock.now(), {}));
  t.match(s.reports, [{ run: 1, state: IscsiBootState.BOOTING, error: IscsiBootError.NONE }]);
  t.equal(s.clock.pending, 1);
  s.agent.interrupt(s.clock.now() + 5);
  t.match(s.reports[1], { run: 1, state: IscsiBootState.FAILED, error: IscsiBootError.INTERRUPTED, at: s.clock.now() + 5 });
  t.equal(s.clock.pending, 0, 'an idle host holds no timer');
  t.notOk(s.agent.busy);
  s.agent.interrupt(s.clock.now());
  t.equal(s.reports.length, 2, 'an idle agent reports nothing more');
  t.end();
});

t.test('no target named: failed no-target, and the firmware falls back to the disk', async (t) => {
  const s = setup(settings({ targetName: '' }));
  t.match(await s.bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.NO_TARGET, message: /no target/ });
  const text = s.text();
  t.match(text, /Could not boot from SAN device 0x80: the boot parameters name no target \(no-target\)\r\nNo more network devices\r\nBooting from Bay 0: /);
  t.match(text, /Welcome to GRUB!/);
  t.match(text, /login: /, 'the disk boots to its login prompt');
});

t.test('against an emulated target with DD scoping', async (t) => {
  const fleet = await TargetFleet.start({ host: ISNS.address, port: ISNS.port, defaultDiscoveryDomain: false },
    [{ iqn: TARGET, alias: 'boot-7', ip: PORTAL.address, port: PORTAL.port, luns: [{ lun: 0, sizeGB: 1, state: 'online' }, { lun: 1, sizeGB: 1, state: 'online' }] }], null);
  const manager = await IsnsClient.connect({ host: ISNS.address, port: ISNS.port, source: 'iqn.2026-12.org.example:manager' });
  t.teardown(async () => {
    await manager.close();
    await fleet.stop();
  });
  await manager.ddRegister({ name: 'host-a', members: [HOST_A, TARGET] });

  t.test('in the DD: booted; the console names the target and LUN, then GRUB and the login prompt', async (t) => {
    const s = setup(settings({ chapName: 'host-a', chapSecret: 'secret' }));
    t.match(await s.bootToEnd(), { run: 1, state: IscsiBootState.BOOTED, error: IscsiBootError.NONE, lun: 0, targetName: TARGET, message: `booted from ${TARGET} LUN 0` });
    t.same(s.reports.map((r) => r.state), [1, 1, 1, 1, 2], 'booting, asking iSNS, logging in, reading; booted');
    t.ok(fleet.list()[0].initiators.includes(HOST_A), 'the host registered its initiator: the target learned it from the DD');
    const text = s.text();
    t.match(text, /Booting from network: .*\r\niPXE initialising devices\.\.\.ok\r\n/);
    t.match(text, `iSCSI initiator ${HOST_A} on net0: 127.149.2.1/16 gw 127.149.0.254\r\n`);
    t.match(text, `iSNS 127.149.0.1:18310: ${TARGET} at 127.149.1.1:18311\r\n`);
    t.match(text, `sanboot iscsi:127.149.1.1::18311:0:${TARGET}\r\n`);
    t.match(text, 'login with CHAP as host-a\r\n', 'CHAP offered; this target asks for none (AuthMethod=None)');
    t.match(text, `Registered SAN device 0x80: ${TARGET} LUN 0, 1000 MB\r\nBooting from SAN device 0x80\r\nbmcfleet ${TARGET} LUN 0: booted from iSCSI\r\nWelcome to GRUB!`);
    t.notMatch(text, /Booting from Bay/, 'the boot loader came from the SAN device, not the disk');
    t.match(text, /login: /);
    t.equal(s.clock.pending, 0, 'no timer left');
    t.equal(s.console.bootAt, 1_000_000, 'the boot began at power-on, not at the hand-over');
    for (let waited = 0; fleet.list()[0].iscsi.normalLogins < 1 && waited < 2000; waited += 10) await tick();
    t.equal(fleet.list()[0].iscsi.normalLogins, 1, 'one login');
  });

  t.test('not in the DD: iSNS does not show the target (isns-not-visible); without iSNS the target refuses the login', async (t) => {
    const a = setup(settings({ initiatorName: HOST_B }));
    t.match(await a.bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.ISNS_NOT_VISIBLE, message: new RegExp(`does not show ${TARGET} to ${HOST_B}`) });
    t.match(a.text(), /\(isns-not-visible\)\r\nNo more network devices\r\nBooting from Bay 0: /);
    const b = setup(settings({ initiatorName: HOST_B, isns: null }));
    t.match(await b.bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.LOGIN_REFUSED, message: /02\/02|authoriz/i });
  });

  t.test('an initiator already registered by another entity: the server refuses the host\'s registration, the boot goes on', async (t) => {
    const HOST_C = 'iqn.2026-12.org.example:host-c';
    const other = await IsnsClient.connect({ host: ISNS.address, port: ISNS.port, source: HOST_C });
    t.teardown(() => other.close());
    await other.register({ eid: 'someone-else', nodes: [{ name: HOST_C, type: 2 }] });
    await manager.ddRegister({ name: 'host-c', members: [HOST_C, TARGET] });
    const s = setup(settings({ initiatorName: HOST_C }));
    t.match(await s.bootToEnd(), { state: IscsiBootState.BOOTED });
    t.match(s.text(), `iSNS 127.149.0.1:18310: ${HOST_C} not registered (`);
  });

  t.test('a LUN the target does not have: no-lun; a LUN with no boot sector: not-bootable', async (t) => {
    t.match(await setup(settings({ lun: 5 })).bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.NO_LUN, lun: 5 });
    t.match(await setup(settings({ lun: 1 })).bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.NOT_BOOTABLE, message: /no boot signature/ });
  });

  t.test('an iSNS server that does not answer: isns-unreachable; a portal that does not: login-failed', async (t) => {
    t.match(await setup(settings({ isns: { address: '127.149.0.9', port: 18319 } })).bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.ISNS_UNREACHABLE });
    t.match(await setup(settings({ isns: null, portal: { address: '127.149.1.9', port: 18319 } })).bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.LOGIN_FAILED });
  });
});

t.test('a target that demands CHAP: the right account boots; a wrong secret or none fails with authentication, at once', async (t) => {
  const chapTarget = 'iqn.2026-11.org.bmcfleet:boot-chap';
  const portal = { address: '127.149.1.2', port: 18311 };
  const fleet = await TargetFleet.start({ host: ISNS.address, port: ISNS.port, defaultDiscoveryDomain: true },
    [{ iqn: chapTarget, alias: 'boot-chap', ip: portal.address, port: portal.port, luns: [{ lun: 0, sizeGB: 1, state: 'online' }], chap: { name: 'boot-user', secret: 'twelve-bytes!' } }], null);
  t.teardown(() => fleet.stop());
  const chap = (over: Partial<IscsiBootSettings>) => settings({ targetName: chapTarget, portal, isns: null, ...over });
  // in no DD and registered nowhere: the target lets in any initiator only when the server's default DD shows it; register one
  const isns = await IsnsClient.connect({ host: ISNS.address, port: ISNS.port, source: HOST_A });
  await isns.register({ nodes: [{ name: HOST_A, type: 2 }], portals: [{ ip: '127.149.2.1', port: 860 }] });
  t.teardown(() => isns.close());
  for (let waited = 0; !fleet.list()[0].initiators.includes(HOST_A) && waited < 3000; waited += 10) await tick();

  const good = setup(chap({ chapName: 'boot-user', chapSecret: 'twelve-bytes!' }));
  t.match(await good.bootToEnd(), { state: IscsiBootState.BOOTED, error: IscsiBootError.NONE });
  t.match(good.text(), `sanboot iscsi:127.149.1.2::18311:0:${chapTarget}\r\nlogin with CHAP as boot-user\r\nRegistered SAN device 0x80`);

  const wrong = setup(chap({ chapName: 'boot-user', chapSecret: 'not-the-secret' }));
  t.match(await wrong.bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.AUTHENTICATION, message: /authentication failure \(02\/01\)/ });
  t.match(wrong.text(), /login with CHAP as boot-user\r\nCould not boot from SAN device 0x80: .*authentication failure \(02\/01\) \(authentication\)\r\nNo more network devices/);
  const none = setup(chap({}));
  t.match(await none.bootToEnd(), { state: IscsiBootState.FAILED, error: IscsiBootError.AUTHENTICATION });
  t.notMatch(none.text(), /login with CHAP/);
  const drops = fleet.list()[0].iscsi.drops;
  t.equal(drops['login-refused-0201'], 2, 'one refused login each: authentication is not tried again');
  t.same(fleet.list()[0].chap, { name: 'boot-user' }, 'the target shows its account\'s name, not the secret');
});
