// The project's own IPMI client against emulated BMCs over real UDP sockets on loopback.
import t from 'tap';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { Shard } from '../../emulator/fleet/shard.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { CompletionCodeError } from '../../clients/ipmi/ipmi-errors.js';
import { BootDeviceCode, BootParam, GetSystemBootOptions, SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { ChassisAction, ChassisControl, GetChassisStatus } from '../../protocols/ipmi/commands/chassis.js';
import { GetDeviceId } from '../../protocols/ipmi/commands/device.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { decodeInventoryResponse } from '../../protocols/ipmi/oem/inventory.js';
import { readInventory } from '../../clients/ipmi/inventory.js';
import { ipmitool } from '../helpers/ipmitool.js';

const PORT = 9723;
const fleet = new Shard(fleetConfig({ ipmiPort: PORT, racks: [{ bmcs: 3, firstIp: '127.22.0.1' }] }), 0, 0, 3);
const bmcs = fleet.nodesOf(bmcKind).nodes;

t.before(() => fleet.bind());
t.teardown(() => fleet.close());

for (const suite of [3, 17, 8, 12]) {
  t.test(`suite ${suite}: Get Device ID and chassis control over UDP`, async (t) => {
    const client = await IpmiLanClient.connect({ host: '127.22.0.2', port: PORT, username: 'admin', password: 'password', cipherSuite: suite });
    const id = await client.callRaw(NetFn.APP, 0x01);
    t.equal(id.length >= 11, true, 'Get Device ID data');
    await client.callRaw(NetFn.CHASSIS, 0x02, Buffer.from([0x00])); // power down
    t.equal((await client.callRaw(NetFn.CHASSIS, 0x01))[0] & 1, 0, 'chassis status shows power off');
    await client.callRaw(NetFn.CHASSIS, 0x02, Buffer.from([0x01]));
    t.equal((await client.callRaw(NetFn.CHASSIS, 0x01))[0] & 1, 1, 'chassis status shows power on');
    await t.rejects(client.callRaw(NetFn.APP, 0x7f), CompletionCodeError, 'unknown command → 0xC1');
    await client.close();
    t.equal(bmcs[1].channel.sessions.size, 0, 'Close Session freed the slot');
  });
}

t.test('typed calls: Get Device ID, Chassis Control and Get Chassis Status, Set/Get System Boot Options', async (t) => {
  const client = await IpmiLanClient.connect({ host: '127.22.0.2', port: PORT, username: 'admin', password: 'password' });
  const model = bmcs[1].model;
  const id = await client.call(GetDeviceId);
  t.match(id, { manufacturerId: model.device.manufacturerId, productId: model.device.productId, firmwareMajor: model.device.firmwareMajor,
    ipmiMajor: 2, ipmiMinor: 0 }, 'Get Device ID decoded');

  await client.call(ChassisControl, { action: ChassisAction.POWER_DOWN });
  t.equal((await client.call(GetChassisStatus)).powerOn, false, 'Get Chassis Status: off');
  await client.call(ChassisControl, { action: ChassisAction.POWER_UP });
  t.equal((await client.call(GetChassisStatus)).powerOn, true, 'Get Chassis Status: on');

  const pxe = { kind: 'boot-flags', valid: true, persistent: false, efi: true, device: BootDeviceCode.PXE } as const;
  await client.call(SetSystemBootOptions, { locked: false, parameter: pxe });
  const boot = await client.call(GetSystemBootOptions, { param: BootParam.BOOT_FLAGS, setSelector: 0, blockSelector: 0 });
  t.match(boot, { version: 1, locked: false, parameter: pxe }, 'Get System Boot Options reads back the boot flags');
  t.equal(model.bootOptions.bootDevice, 'pxe', 'the BMC keeps it for the next boot');
  await t.rejects(client.call(GetSystemBootOptions, { param: 0x60, setSelector: 0, blockSelector: 0 }), { name: 'CompletionCodeError', completionCode: 0x80 },
    'an OEM parameter the BMC lacks: 80h');
  await client.close();
});

t.test('wrong password is an auth error (the SessionError of RAKP 2\'s HMAC), not a timeout', async (t) => {
  await t.rejects(IpmiLanClient.connect({ host: '127.22.0.1', port: PORT, username: 'admin', password: 'nope' }),
    { name: 'IpmiAuthError', code: 'IPMI_AUTH', host: '127.22.0.1', cause: { name: 'SessionError', code: 'ERR_RAKP2_HMAC' } });
});

t.test('no BMC at the address: a timeout after the retries', async (t) => {
  await t.rejects(IpmiLanClient.connect({ host: '127.22.0.200', port: PORT, username: 'admin', password: 'password', timeoutMs: 50, retries: 1 }),
    { name: 'IpmiTimeoutError' });
});

t.test('each BMC keeps its own state', async (t) => {
  const a = await IpmiLanClient.connect({ host: '127.22.0.1', port: PORT, username: 'admin', password: 'password' });
  const c = await IpmiLanClient.connect({ host: '127.22.0.3', port: PORT, username: 'admin', password: 'password' });
  await a.callRaw(NetFn.CHASSIS, 0x02, Buffer.from([0x00]));
  t.equal((await c.callRaw(NetFn.CHASSIS, 0x01))[0] & 1, 1, 'powering off one BMC leaves the other on');
  const guidA = await a.callRaw(NetFn.APP, 0x37);
  const guidC = await c.callRaw(NetFn.APP, 0x37);
  t.not(Buffer.from(guidA).toString('hex'), Buffer.from(guidC).toString('hex'), 'distinct GUIDs');
  await a.close();
  await c.close();
});

t.test('hardware inventory over the OEM command: our client reads it all, ipmitool raw sees the same bytes', async (t) => {
  const client = await IpmiLanClient.connect({ host: '127.22.0.2', port: PORT, username: 'admin', password: 'password' });
  const inv = await readInventory(client);
  await client.close();
  const hw = bmcs[1].model.hardware;
  t.equal(inv.summary.serial, hw.serial);
  t.same(inv.cpus.map((c) => c.cores), hw.cpus.map((c) => c.cores));
  t.equal(inv.memory.length, hw.memory.length);
  t.same(inv.disks.map((d) => d.serial), hw.disks.map((d) => d.serial));
  t.same(inv.nics.map((n) => n.mac), hw.nics.map((n) => n.mac));
  const raw = await ipmitool({ host: '127.22.0.2', port: PORT }, ['raw', '0x2e', '0x01', '0xd9', '0x7e', '0x00', '0x04', '0x00']);
  t.equal(raw.code, 0, raw.stderr);
  const bytes = Buffer.from(raw.stdout.replace(/\s+/g, ''), 'hex');
  t.same(decodeInventoryResponse(bytes, 4).record.item, inv.nics[0], 'ipmitool raw: the first NIC');
});
