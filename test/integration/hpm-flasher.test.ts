// The BMC flasher (clients/ipmi/hpm-flasher.ts) against emulated BMCs over real UDP on loopback, with short firmware
// timings and a small image built in memory: flashed, skipped, power lost mid-upload and mid-activation (rolled back,
// still reachable), a hung upgrade (timed out, aborted), a wrong password, nobody there, and flashAll's bound.
// Faults are triggered by what the BMC receives, not by timing; every timeout here is a bound against hanging.
import t from 'tap';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import type { FirmwareUpgradeOptions } from '../../emulator/bmc/firmware-upgrade.js';
import { HpmCommand } from '../../protocols/ipmi/commands/hpm.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { BMC_FIRMWARE_COMPONENT, buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';
import type { BmcFlasher, FlashRequest, FlashStage } from '../../clients/ipmi/bmc-flasher.js';
import { flashAll } from '../../clients/ipmi/flash-all.js';
import { HpmFlasher, UPLOAD_BLOCK_BYTES } from '../../clients/ipmi/hpm-flasher.js';
import { startUdpBmc, type UdpBmc } from '../helpers/udp-bmc.js';

const PORT = 9781;
const TIMINGS: FirmwareUpgradeOptions = { backupMs: 40, prepareMs: 0, writeMs: 40, activateMs: 40, rollbackMs: 40, rebootMs: 300 };
const TARGET = { major: 1, minor: 2 };
const FIRMWARE_BYTES = 20_000;

const flasher = new HpmFlasher({ requestTimeoutMs: 250, retries: 2, pollIntervalMs: 20, rebootWaitMs: 20_000 });

const bmcs: UdpBmc[] = [];
async function bmc(n: number): Promise<UdpBmc> {
  const b = await startUdpBmc(`127.81.0.${n}`, PORT, { firmwareUpgrade: TIMINGS });
  bmcs.push(b);
  return b;
}
t.teardown(async () => { for (const b of bmcs) await b.close(); });

/** The HPM.1 image of firmware 1.02 for `b`'s device, manufacturer and product. */
function imageFor(b: EmulatedBmc, version = TARGET): Uint8Array {
  const d = b.model.device;
  const target = { deviceId: d.deviceId, manufacturerId: d.manufacturerId, productId: d.productId };
  return packFirmwareImage(buildFirmware(target, { ...version, aux: new Uint8Array(4) }, FIRMWARE_BYTES), 1_700_000_000);
}

function request(b: EmulatedBmc, extra: Partial<FlashRequest> = {}): FlashRequest {
  return {
    bmc: { host: b.model.ip, port: PORT, username: 'admin', password: 'password' },
    image: imageFor(b), target: TARGET, timeoutMs: 30_000, ...extra,
  };
}

/** HPM.1 requests (netFn 2Ch) of one command the BMC dispatched, whatever it answered. */
function received(b: EmulatedBmc, cmd: number): number {
  let n = 0;
  for (const [key, count] of b.counters.requests) if (key >> 16 === NetFn.GROUP_EXTENSION && ((key >> 8) & 0xff) === cmd) n += count;
  return n;
}

const running = (b: EmulatedBmc) => `${b.model.device.firmwareMajor}.${String(b.model.device.firmwareMinor).padStart(2, '0')}`;

t.test('flashed: every stage in ipmitool\'s order, one-datagram blocks, the BMC back running 1.02, no session left', async (t) => {
  const { bmc: b } = await bmc(1);
  const stages: FlashStage[] = [];
  const result = await flasher.flash(request(b, { onStage: (s) => stages.push(s) }));
  t.same(result, { outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: TARGET, detail: '' });
  t.same(stages, ['login', 'check', 'backup', 'prepare', 'upload', 'finish', 'activate', 'reboot', 'confirm']);
  t.equal(received(b, HpmCommand.UPLOAD_FIRMWARE_BLOCK), Math.ceil(FIRMWARE_BYTES / UPLOAD_BLOCK_BYTES), `blocks of ${UPLOAD_BLOCK_BYTES} bytes`);
  t.ok(received(b, HpmCommand.GET_UPGRADE_STATUS) >= 3, 'backup, write and activation polled while they answered 80h');
  t.equal(running(b), '1.02');
  t.equal(b.channel.sessions.size, 0, 'the session after the reboot was closed');
  t.same(await flasher.readVersion(request(b).bmc), { ok: true, firmware: TARGET, component: null }, 'readVersion agrees');
  t.same(await flasher.readVersion(request(b).bmc, BMC_FIRMWARE_COMPONENT), { ok: true, firmware: TARGET, component: TARGET },
    'and so does the HPM.1 component the image upgraded (Get Component Properties, selector 01h)');
  t.same(await flasher.readVersion(request(b).bmc, 5), { ok: true, firmware: TARGET, component: null }, 'a component the BMC does not have (82h): none');
  t.equal(received(b, HpmCommand.GET_COMPONENT_PROPERTIES), 3, 'Get Component Properties: one at the flash\'s check, one per read that asked for one');
});

t.test('a BMC that reports activation done before it reboots: the flasher waits for the reboot or the new version', async (t) => {
  const { bmc: b } = await bmc(15);
  const reboot = b.reboot.bind(b);
  let rebootLater = () => {};
  b.reboot = (ms) => { rebootLater = () => reboot(ms); }; // Get Upgrade Status answers 00h, and the BMC goes on answering
  const stages: FlashStage[] = [];
  const result = await flasher.flash(request(b, {
    onStage: (s) => { stages.push(s); if (s === 'confirm') rebootLater(); },
  }));
  t.match(result, { outcome: BmcOutcome.FLASHED, firmware: TARGET });
  t.same(stages.slice(-2), ['activate', 'confirm'], 'the new version showed before the BMC went silent');
  t.equal(received(b, HpmCommand.ACTIVATE_FIRMWARE), 1);
});

t.test('skipped: already at the target, nothing upgraded', async (t) => {
  const { bmc: b } = await bmc(2);
  b.model.device.firmwareMinor = 2;
  const result = await flasher.flash(request(b));
  t.same(result, { outcome: BmcOutcome.SKIPPED, reason: FailureReason.NONE, firmware: TARGET, detail: '' });
  t.equal(received(b, HpmCommand.INITIATE_UPGRADE_ACTION), 0);
  t.equal(b.channel.sessions.size, 0);
});

t.test('power lost mid-upload: the BMC comes back on its old firmware: rolled back, and still reachable', async (t) => {
  const gate = await bmc(3);
  const b = gate.bmc;
  const firmware = b.model.firmware;
  const write = firmware.uploadBlock.bind(firmware);
  let cut = false;
  firmware.uploadBlock = (block, data) => {
    const cc = write(block, data);
    if (block === 3 && !cut) {
      cut = true;
      gate.holding = true; // the answer to block 3 never leaves: the power goes first
      setImmediate(() => { b.firmware.losePower(400); gate.held.length = 0; gate.holding = false; });
    }
    return cc;
  };
  const stages: FlashStage[] = [];
  const result = await flasher.flash(request(b, { onStage: (s) => stages.push(s) }));
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.ROLLED_BACK, firmware: { major: 1, minor: 0 }, detail: /back at 1\.00/ });
  t.same(stages.slice(-3), ['upload', 'reboot', 'confirm'], 'contact lost during the upload, then the BMC was waited for');
  t.equal(received(b, HpmCommand.FINISH_FIRMWARE_UPLOAD), 0);
  t.equal(running(b), '1.00', 'the active image survived');
  t.same(await flasher.readVersion(request(b).bmc), { ok: true, firmware: { major: 1, minor: 0 }, component: null }, 'reachable');
});

t.test('power lost mid-activation: the BMC rolls back on its own and says so', async (t) => {
  const { bmc: b } = await bmc(4);
  const firmware = b.model.firmware;
  const activate = firmware.activate.bind(firmware);
  firmware.activate = (now) => {
    const cc = activate(now);
    setImmediate(() => b.firmware.losePower(300));
    return cc;
  };
  const result = await flasher.flash(request(b));
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.ROLLED_BACK, firmware: { major: 1, minor: 0 }, detail: /reports a rollback/ });
  t.equal(running(b), '1.00');
});

t.test('a BMC whose upgrade hangs: timed out, Abort Firmware Upgrade sent, the session closed', async (t) => {
  const { bmc: b } = await bmc(5);
  b.setFaults({ firmwareHang: true });
  const result = await flasher.flash(request(b, { timeoutMs: 3000 }));
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.TIMED_OUT, firmware: { major: 1, minor: 0 }, detail: /3000 ms \(at backup\)/ });
  t.equal(received(b, HpmCommand.ABORT_FIRMWARE_UPGRADE), 1);
  t.equal(b.channel.sessions.size, 0);
  t.equal(running(b), '1.00');
});

t.test('an error completion code: upgrade refused, naming the command and the code; nothing else sent', async (t) => {
  const gate = await startUdpBmc('127.81.0.7', PORT, { firmwareUpgrade: { ...TIMINGS, maxFirmwareBytes: 10_000 } });
  bmcs.push(gate);
  const b = gate.bmc;
  const result = await flasher.flash(request(b));
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.UPGRADE_REFUSED, firmware: { major: 1, minor: 0 }, detail: 'Upload Firmware Block answered C4h' });
  t.equal(received(b, HpmCommand.UPLOAD_FIRMWARE_BLOCK), Math.floor(10_000 / UPLOAD_BLOCK_BYTES) + 1, 'the block that went past 10,000 bytes was the last');
  t.equal(received(b, HpmCommand.FINISH_FIRMWARE_UPLOAD), 0);
  t.equal(b.channel.sessions.size, 0);
});

t.test('an image for another product: refused before anything is sent, as ipmitool does', async (t) => {
  const { bmc: b } = await bmc(8);
  const d = b.model.device;
  const other = packFirmwareImage(buildFirmware({ deviceId: d.deviceId, manufacturerId: d.manufacturerId, productId: d.productId + 1 },
    { ...TARGET, aux: new Uint8Array(4) }, FIRMWARE_BYTES), 1_700_000_000);
  const result = await flasher.flash(request(b, { image: other }));
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.UPGRADE_REFUSED, detail: `the image is for manufacturer ${d.manufacturerId} product ${d.productId + 1}, the BMC is ${d.manufacturerId} product ${d.productId}` });
  t.equal(received(b, HpmCommand.GET_TARGET_UPGRADE_CAPABILITIES), 0);
});

t.test('a lost 80h answer: the retransmission\'s D5h is read as the step already running', async (t) => {
  const gate = await startUdpBmc('127.81.0.9', PORT, { firmwareUpgrade: { ...TIMINGS, backupMs: 1000 } });
  bmcs.push(gate);
  const b = gate.bmc;
  const firmware = b.model.firmware;
  const initiate = firmware.initiate.bind(firmware);
  let lost = false;
  firmware.initiate = (components, action, now) => {
    const cc = initiate(components, action, now);
    if (!lost) {
      lost = true;
      gate.holding = true; // the backup's 80h never leaves
      setImmediate(() => { gate.held.length = 0; gate.holding = false; });
    }
    return cc;
  };
  const result = await flasher.flash(request(b));
  t.match(result, { outcome: BmcOutcome.FLASHED, firmware: TARGET });
  t.equal(b.counters.requests.get((NetFn.GROUP_EXTENSION << 16) | (HpmCommand.INITIATE_UPGRADE_ACTION << 8) | 0xd5), 1, 'one D5h: the retransmitted backup');
});

t.test('a wrong password: login failed', async (t) => {
  const { bmc: b } = await bmc(6);
  const r = request(b);
  const result = await flasher.flash({ ...r, bmc: { ...r.bmc, password: 'wrong' } });
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.LOGIN_FAILED, detail: /session setup/ });
  t.same(await flasher.readVersion({ ...r.bmc, password: 'wrong' }), { ok: false, reason: FailureReason.LOGIN_FAILED });
});

t.test('nothing listening: unreachable', async (t) => {
  const bmcLogin = { host: '127.81.0.200', port: PORT, username: 'admin', password: 'password' };
  const result = await flasher.flash({ bmc: bmcLogin, image: new Uint8Array(0), target: TARGET, timeoutMs: 30_000 });
  // the image is checked first: an empty one is refused before anything is sent
  t.match(result, { outcome: BmcOutcome.FAILED, reason: FailureReason.UPGRADE_REFUSED, detail: /not a valid HPM\.1 image/ });
  const { bmc: b } = bmcs[0];
  const silent = await flasher.flash({ ...request(b), bmc: bmcLogin });
  t.match(silent, { outcome: BmcOutcome.FAILED, reason: FailureReason.UNREACHABLE, detail: /no answer/ });
  t.same(await flasher.readVersion(bmcLogin), { ok: false, reason: FailureReason.UNREACHABLE });
});

t.test('flashAll: at most `concurrency` BMCs in an upgrade at once, results in the requests\' order', async (t) => {
  const fleet = await Promise.all([10, 11, 12, 13, 14].map((n) => bmc(n)));
  fleet[2].bmc.model.device.firmwareMinor = 2; // one already there
  let now = 0;
  let most = 0;
  const counting: BmcFlasher = {
    readVersion: (login) => flasher.readVersion(login),
    async flash(req) {
      most = Math.max(most, ++now);
      try {
        return await flasher.flash(req);
      } finally {
        now--;
      }
    },
  };
  const results = await flashAll(counting, fleet.map(({ bmc: b }) => request(b)), 2);
  t.equal(most, 2, 'two at a time');
  t.same(results.map((r) => r.outcome), [BmcOutcome.FLASHED, BmcOutcome.FLASHED, BmcOutcome.SKIPPED, BmcOutcome.FLASHED, BmcOutcome.FLASHED]);
  t.ok(fleet.every(({ bmc: b }) => running(b) === '1.02'));
});
