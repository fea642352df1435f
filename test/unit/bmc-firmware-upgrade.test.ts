// The emulated BMC's HPM.1 upgrade (emulator/bmc/firmware-upgrade.ts and commands/hpm.ts): a whole upgrade and a
// rollback through the command table with real request bytes, every refusal, power loss at each step (the active
// image always survives), and, on a manual clock, the reboot that ends activation and the silence of a power loss.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import {
  AbortFirmwareUpgrade, ActivateFirmware, FinishFirmwareUpload, GetComponentProperties, GetTargetUpgradeCapabilities, GetUpgradeStatus,
  InitiateManualRollback, InitiateUpgradeAction, QueryRollbackStatus, QuerySelfTestResults, UpgradeAction, UploadFirmwareBlock,
  type ComponentProperty,
} from '../../protocols/ipmi/commands/hpm.js';
import { GetDeviceId } from '../../protocols/ipmi/commands/device.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { buildFirmware } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { decodeAsf, encodePresencePing } from '../../protocols/rmcp/asf.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import type { FirmwareUpgradeOptions } from '../../emulator/bmc/firmware-upgrade.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { fixture, type Fixture } from '../helpers/bmc-command-fixture.js';

const TIMINGS: FirmwareUpgradeOptions = { backupMs: 100, prepareMs: 0, writeMs: 200, activateMs: 300, rollbackMs: 300, rebootMs: 4000 };
const SELF = { deviceId: 0x20, manufacturerId: 32473, productId: 1 };
const V2 = { major: 2, minor: 5, aux: Uint8Array.of(0, 0, 0, 1) };
const NOTHING = new Uint8Array(0);

/** Sends a definition's request; the completion code and, for 00h, the decoded response. */
function call<Req, Res>(f: Fixture, def: IpmiCommand<Req, Res>, req: Req): { cc: number; value?: Res } {
  const r = f.send(def.netFn, def.cmd, def.encodeRequest(req));
  return r.cc === CC.OK ? { cc: r.cc, value: def.decodeResponse(r.data ?? NOTHING, req) } : { cc: r.cc };
}

const version = (f: Fixture, selector: number) => (call(f, GetComponentProperties, { component: 1, selector }).value as ComponentProperty & { version: unknown }).version;
const status = (f: Fixture) => call(f, GetUpgradeStatus, undefined).value;
const deviceFirmware = (f: Fixture) => {
  const d = call(f, GetDeviceId, undefined).value!;
  return [d.firmwareMajor, d.firmwareMinor, [...d.auxFirmware!]];
};

/** Uploads `firmware` in `size`-byte blocks. */
function upload(f: Fixture, firmware: Uint8Array, size = 36): number[] {
  t.equal(call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.UPLOAD_FOR_UPGRADE }).cc, CC.OK);
  const codes = [];
  for (let at = 0, n = 0; at < firmware.length; at += size, n++) {
    codes.push(call(f, UploadFirmwareBlock, { blockNumber: n & 0xff, data: firmware.subarray(at, at + size) }).cc);
  }
  return codes;
}

/** A BMC with the new firmware uploaded and written, ready to activate. */
function staged(opts: FirmwareUpgradeOptions = TIMINGS): Fixture {
  const f = fixture({ firmwareUpgrade: opts });
  const fw = buildFirmware(SELF, V2, 2000);
  upload(f, fw);
  call(f, FinishFirmwareUpload, { component: 1, imageLength: fw.length });
  f.model.firmware.settle(f.now += 1000);
  return f;
}

t.test('an upgrade as ipmitool runs it: backup, prepare, upload, finish, activate, self test', (t) => {
  const f = fixture({ firmwareUpgrade: TIMINGS });
  const caps = call(f, GetTargetUpgradeCapabilities, undefined).value!;
  t.equal(caps.components, 0x02, 'one component: 1, the BMC firmware');
  t.ok(caps.upgradeTimeout * 5000 >= 300 + 4000, 'ipmitool waits longer than activation and reboot take');

  t.equal(call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.BACKUP }).cc, 0x80, 'backup: in progress');
  t.same(status(f), { command: 0x31, completionCode: 0x80 });
  t.equal(call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.PREPARE }).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE, 'one step at a time');
  t.equal(f.model.firmware.settle(f.now + 99), null, 'not before its time');
  t.equal(f.model.firmware.settle(f.now += 100), null, 'a backup needs no reboot');
  t.same(status(f), { command: 0x31, completionCode: 0x00 });
  t.same(version(f, 3), { major: 1, minor: 0, aux: new Uint8Array(4) }, 'the rollback copy is the running 1.00');
  t.equal(call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.PREPARE }).cc, CC.OK, 'prepare takes 0 ms: done at once');

  const fw = buildFirmware(SELF, V2, 2000);
  t.ok(upload(f, fw).every((cc) => cc === CC.OK), '56 blocks of 36 bytes accepted');
  t.equal(call(f, FinishFirmwareUpload, { component: 1, imageLength: fw.length - 1 }).cc, 0x81, 'a length that is not what arrived');
  t.equal(call(f, FinishFirmwareUpload, { component: 1, imageLength: fw.length }).cc, 0x80, 'finish: writing');
  f.model.firmware.settle(f.now += 200);
  t.same(status(f), { command: 0x33, completionCode: 0x00 });
  t.same(version(f, 4), V2, 'the deferred version is the upload\'s');
  t.same(deviceFirmware(f), [1, 0, [0, 0, 0, 0]], 'still running 1.00');

  t.equal(call(f, ActivateFirmware, {}).cc, 0x80);
  t.equal(call(f, QuerySelfTestResults, undefined).cc, 0x80, 'self test: not yet');
  t.same(f.model.firmware.settle(f.now += 300), { rebootMs: 4000 }, 'activation ends in a reboot');
  t.same(deviceFirmware(f), [2, 5, [0, 0, 0, 1]], 'Get Device ID: 2.05, aux 00000001');
  t.same(version(f, 1), V2);
  t.same(version(f, 3), { major: 1, minor: 0, aux: new Uint8Array(4) }, 'the replaced image is the rollback copy');
  t.equal(version(f, 4), null, 'nothing deferred');
  t.same(status(f), { command: 0x35, completionCode: 0x00 });
  t.same(call(f, QuerySelfTestResults, undefined).value, { result: 0x55, detail: 0 });
  t.same(call(f, QueryRollbackStatus, undefined).value, { components: 0 }, 'no rollback happened');
  t.end();
});

t.test('manual rollback swaps the banks and reboots', (t) => {
  const f = staged();
  call(f, ActivateFirmware, {});
  f.model.firmware.settle(f.now += 300);
  t.equal(call(f, InitiateManualRollback, undefined).cc, 0x80);
  t.equal(call(f, QueryRollbackStatus, undefined).cc, 0x80, 'rollback in progress');
  t.same(f.model.firmware.settle(f.now += 300), { rebootMs: 4000 });
  t.same(call(f, QueryRollbackStatus, undefined).value, { components: 0x02 });
  t.same(deviceFirmware(f), [1, 0, [0, 0, 0, 0]], 'back to 1.00');
  t.same(version(f, 3), V2, 'and 2.05 is now the rollback copy');
  t.end();
});

t.test('blocks: a block sent again replaces the last one, others must follow in order', (t) => {
  const f = fixture({ firmwareUpgrade: TIMINGS });
  const fw = buildFirmware(SELF, V2, 200);
  call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.UPLOAD_FOR_UPGRADE });
  const block = (n: number, from: number, to: number) => call(f, UploadFirmwareBlock, { blockNumber: n, data: fw.subarray(from, to) }).cc;
  t.equal(block(1, 0, 36), CC.INVALID_DATA_FIELD, 'the first block is number 0');
  t.equal(block(0, 0, 36), CC.OK);
  t.equal(block(1, 36, 72), CC.OK);
  t.equal(block(1, 36, 64), CC.OK, 'block 1 again, 8 bytes shorter (ipmitool after C7h or a lost answer)');
  t.equal(block(3, 64, 100), CC.INVALID_DATA_FIELD, 'a gap');
  t.equal(block(2, 64, 200), CC.OK);
  t.equal(call(f, FinishFirmwareUpload, { component: 1, imageLength: 200 }).cc, 0x80, 'the 200 bytes add up: 36 + 28 + 136');
  t.end();
});

t.test('block numbers wrap at 256', (t) => {
  const f = fixture({ firmwareUpgrade: TIMINGS });
  const fw = buildFirmware(SELF, V2, 300 * 8);
  t.ok(upload(f, fw, 8).every((cc) => cc === CC.OK), '300 blocks: 0-255, then 0-43');
  t.equal(call(f, FinishFirmwareUpload, { component: 1, imageLength: fw.length }).cc, 0x80);
  t.end();
});

t.test('what the BMC refuses', (t) => {
  const f = fixture({ firmwareUpgrade: { ...TIMINGS, maxFirmwareBytes: 1000 } });
  t.equal(call(f, GetComponentProperties, { component: 0, selector: 0 }).cc, 0x82, 'component 0 is not there');
  t.equal(call(f, GetComponentProperties, { component: 1, selector: 5 }).cc, 0x83, 'selector 5 is reserved');
  t.equal(call(f, GetComponentProperties, { component: 1, selector: 0xc0 }).cc, 0x83, 'no OEM properties');
  t.equal(call(f, UploadFirmwareBlock, { blockNumber: 0, data: Uint8Array.of(1) }).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE, 'a block before "upload"');
  t.equal(call(f, FinishFirmwareUpload, { component: 1, imageLength: 0 }).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE);
  t.equal(call(f, ActivateFirmware, {}).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE, 'nothing to activate');
  t.equal(call(f, InitiateManualRollback, undefined).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE, 'no backup to roll back to');
  t.equal(call(f, InitiateUpgradeAction, { components: 0x01, action: UpgradeAction.BACKUP }).cc, 0x81, 'component 0');
  t.equal(call(f, InitiateUpgradeAction, { components: 0x00, action: UpgradeAction.BACKUP }).cc, 0x81, 'no component');
  t.equal(call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.UPLOAD_FOR_COMPARE }).cc, CC.INVALID_DATA_FIELD, 'no compare');
  t.equal(call(f, InitiateUpgradeAction, { components: 0x02, action: 7 }).cc, CC.INVALID_DATA_FIELD);

  t.same(upload(f, buildFirmware(SELF, V2, 1200), 400), [CC.OK, CC.OK, CC.OUT_OF_SPACE], 'past maxFirmwareBytes: C4h');
  const cases: [string, Uint8Array, number][] = [
    ['another product', buildFirmware({ ...SELF, productId: 2 }, V2, 500), CC.INVALID_DATA_FIELD],
    ['another manufacturer', buildFirmware({ ...SELF, manufacturerId: 343 }, V2, 500), CC.INVALID_DATA_FIELD],
    ['a corrupt body', Buffer.concat([buildFirmware(SELF, V2, 500).subarray(0, 499), Buffer.of(0)]), 0x82],
    ['not bmcfleet firmware', randomBytes(500), 0x82],
  ];
  for (const [what, fw, cc] of cases) {
    upload(f, fw);
    t.equal(call(f, FinishFirmwareUpload, { component: 1, imageLength: fw.length }).cc, cc, what);
    t.equal(version(f, 4), null, `${what}: nothing deferred`);
  }
  upload(f, buildFirmware(SELF, V2, 500));
  t.equal(call(f, FinishFirmwareUpload, { component: 3, imageLength: 500 }).cc, CC.INVALID_DATA_FIELD, 'finish names another component');

  t.equal(f.send(NetFn.GROUP_EXTENSION, 0x34, [0x03]).cc, CC.INVALID_COMMAND, 'VITA\'s identifier: not a command of this BMC');
  t.equal(f.send(NetFn.GROUP_EXTENSION, 0x2f, [0x00, 0x01]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(NetFn.GROUP_EXTENSION, 0x32, [0x00, 0x00]).cc, CC.REQUEST_DATA_LENGTH_INVALID, 'a block without data: C7h, ipmitool shrinks');
  f.session.privilege = Privilege.USER;
  t.equal(call(f, GetUpgradeStatus, undefined).cc, CC.OK, 'a User may look');
  t.equal(call(f, InitiateUpgradeAction, { components: 2, action: UpgradeAction.BACKUP }).cc, CC.INSUFFICIENT_PRIVILEGE, 'but not flash');
  t.end();
});

t.test('abort drops the upload and the deferred image, but not a running step', (t) => {
  const f = staged();
  t.same(version(f, 4), V2);
  call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.BACKUP });
  t.equal(call(f, AbortFirmwareUpgrade, undefined).cc, 0x80, 'cannot be aborted at this moment');
  f.model.firmware.settle(f.now += 100);
  t.equal(call(f, AbortFirmwareUpgrade, undefined).cc, CC.OK);
  t.equal(version(f, 4), null);
  t.equal(call(f, ActivateFirmware, {}).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE);
  t.end();
});

t.test('power loss at each step: the running image always survives', (t) => {
  t.test('mid-activation: automatic rollback to the old image', (t) => {
    const f = staged();
    call(f, ActivateFirmware, {});
    f.model.firmware.losePower();
    t.same(deviceFirmware(f), [1, 0, [0, 0, 0, 0]], 'still 1.00');
    t.same(call(f, QueryRollbackStatus, undefined).value, { components: 0x02 }, 'reported as a rollback of component 1');
    t.same(status(f), { command: 0x35, completionCode: 0xff }, 'activation did not complete');
    t.equal(version(f, 4), null, 'the half-activated image is gone');
    t.equal(f.model.firmware.settle(f.now += 10_000), null, 'nothing left to finish');
    t.same(deviceFirmware(f), [1, 0, [0, 0, 0, 0]]);
    t.end();
  });
  t.test('mid-write: the image is dropped', (t) => {
    const f = fixture({ firmwareUpgrade: TIMINGS });
    const fw = buildFirmware(SELF, V2, 500);
    upload(f, fw);
    call(f, FinishFirmwareUpload, { component: 1, imageLength: fw.length });
    f.model.firmware.losePower();
    f.model.firmware.settle(f.now += 10_000);
    t.equal(version(f, 4), null);
    t.same(status(f), { command: 0x33, completionCode: 0xff });
    t.equal(call(f, ActivateFirmware, {}).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE);
    t.end();
  });
  t.test('mid-upload: the blocks are gone', (t) => {
    const f = fixture({ firmwareUpgrade: TIMINGS });
    upload(f, buildFirmware(SELF, V2, 500));
    f.model.firmware.losePower();
    t.equal(call(f, UploadFirmwareBlock, { blockNumber: 14, data: Uint8Array.of(1) }).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE);
    t.end();
  });
  t.test('mid-backup: no backup copy', (t) => {
    const f = staged();
    call(f, ActivateFirmware, {});
    f.model.firmware.settle(f.now += 300); // 2.05 runs, 1.00 is the backup
    call(f, InitiateUpgradeAction, { components: 0x02, action: UpgradeAction.BACKUP });
    f.model.firmware.losePower();
    t.equal(version(f, 3), null, 'the half-copied backup is not one');
    t.same(deviceFirmware(f), [2, 5, [0, 0, 0, 1]]);
    t.end();
  });
  t.test('mid-rollback: the rollback failed, the image runs on', (t) => {
    const f = staged();
    call(f, ActivateFirmware, {});
    f.model.firmware.settle(f.now += 300);
    call(f, InitiateManualRollback, undefined);
    f.model.firmware.losePower();
    t.equal(call(f, QueryRollbackStatus, undefined).cc, 0x81, 'rollback failure');
    t.same(deviceFirmware(f), [2, 5, [0, 0, 0, 1]]);
    t.equal(call(f, InitiateManualRollback, undefined).cc, 0x80, 'and can be tried again');
    t.end();
  });
  t.test('idle: nothing changes', (t) => {
    const f = staged();
    f.model.firmware.losePower();
    t.same(version(f, 4), V2, 'a written image survives in its bank');
    t.same(status(f), { command: 0x33, completionCode: 0 });
    t.end();
  });
  t.end();
});

t.test('step durations are checked', (t) => {
  t.throws(() => fixture({ firmwareUpgrade: { activateMs: -1 } }), /activateMs/);
  t.throws(() => fixture({ firmwareUpgrade: { rebootMs: Number.NaN } }), /rebootMs/);
  t.end();
});

// ---------------------------------------------------------------- on the clock, through the whole BMC

const PEER = { address: '127.0.0.1', port: 40000 };

function bmcOnClock() {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({ ip: '127.71.9.1', clock, firmwareUpgrade: TIMINGS });
  const sent: Buffer[] = [];
  const send = (b: Buffer) => { sent.push(b); };
  const c = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes });
  let out = c.open();
  for (let i = 0; i < 3; i++) {
    sent.length = 0;
    bmc.handle(out, PEER, send);
    const step = c.handshake(sent[0]);
    if (step.kind === 'established') break;
    if (step.kind === 'send') out = step.datagram;
  }
  let seq = 0;
  const request = <Req, Res>(def: IpmiCommand<Req, Res>, req: Req) => {
    sent.length = 0;
    bmc.handle(c.request(def.netFn, def.cmd, def.encodeRequest(req), ++seq & 0x3f), PEER, send);
    const r = sent.length ? c.response(sent[0]) : null;
    return r ? r.completionCode : null;
  };
  sent.length = 0;
  bmc.handle(c.request(NetFn.APP, 0x3b, Uint8Array.of(Privilege.ADMINISTRATOR), ++seq), PEER, send); // Set Session Privilege Level
  const pings = () => {
    sent.length = 0;
    bmc.handle(encodePresencePing(0xff, 7), PEER, send);
    return sent.filter((b) => decodeAsf(b).messageTag === 7).length;
  };
  return { clock, bmc, request, pings };
}

t.test('on the clock: activation reboots the BMC when its time comes; every session is lost', (t) => {
  const h = bmcOnClock();
  const fw = buildFirmware(SELF, V2, 100);
  t.equal(h.request(InitiateUpgradeAction, { components: 2, action: UpgradeAction.UPLOAD_FOR_UPGRADE }), CC.OK);
  t.equal(h.request(UploadFirmwareBlock, { blockNumber: 0, data: fw }), CC.OK);
  t.equal(h.request(FinishFirmwareUpload, { component: 1, imageLength: 100 }), 0x80);
  h.clock.advance(200);
  t.equal(h.request(ActivateFirmware, {}), 0x80);
  t.equal(h.bmc.channel.sessions.size, 1);
  h.clock.advance(299);
  t.equal(h.pings(), 1, 'answers until the activation ends');
  h.clock.advance(1);
  t.equal(h.bmc.channel.sessions.size, 0, 'rebooted: sessions lost');
  t.equal(h.pings(), 0, 'silent');
  t.equal(h.bmc.model.device.firmwareMajor, 2, 'the new image runs');
  h.clock.advance(3999);
  t.equal(h.pings(), 0, 'silent for the whole reboot');
  h.clock.advance(1);
  t.equal(h.pings(), 1, 'back');
  t.equal(h.clock.pending, 0, 'no timer left behind');
  t.end();
});

t.test('on the clock: power lost mid-activation, the BMC comes back on the old image', (t) => {
  const h = bmcOnClock();
  const fw = buildFirmware(SELF, V2, 100);
  h.request(InitiateUpgradeAction, { components: 2, action: UpgradeAction.UPLOAD_FOR_UPGRADE });
  h.request(UploadFirmwareBlock, { blockNumber: 0, data: fw });
  h.request(FinishFirmwareUpload, { component: 1, imageLength: 100 });
  h.clock.advance(200);
  h.request(ActivateFirmware, {});
  h.clock.advance(150);
  h.bmc.firmware.losePower(8000);
  t.equal(h.pings(), 0, 'off');
  h.clock.advance(7999);
  t.equal(h.pings(), 0, 'still off, and the activation timer did not fire');
  h.clock.advance(1);
  t.equal(h.pings(), 1, 'reachable again: not bricked');
  t.equal(h.bmc.model.device.firmwareMajor, 1, 'on the old image');
  t.same(h.bmc.model.firmware.rollbackStatus(), { components: 2 });
  t.equal(h.clock.pending, 0);
  t.end();
});
