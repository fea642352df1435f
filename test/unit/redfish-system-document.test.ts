// Systems/1 kept between requests (emulator/redfish/resources/system.ts): the same bytes and ETag while nothing it
// shows changed; made again when IPMI changes the power or the boot flags behind Redfish's back; and the text sent
// is the body's JSON.
import t from 'tap';
import { BootParam, encodeBootParameter } from '../../protocols/ipmi/commands/boot-options.js';
import { ChassisAction } from '../../protocols/ipmi/commands/chassis.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { LAN_CHANNEL } from '../../emulator/bmc/model.js';
import { controlPower } from '../../emulator/bmc/power.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: false, maxSessions: 2, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};

t.test('Systems/1: kept while unchanged, made again after a change over IPMI; the text sent is the body', async (t) => {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({ ip: '127.9.0.1', clock, now: clock.now(), users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }] });
  const target = new BmcRedfish(bmc, null, CONFIG, () => {});
  const table = new RouteTable(REDFISH_ROUTES);
  const headers = { authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` };
  const get = () => dispatch(table, target, { method: 'GET', url: '/redfish/v1/Systems/1', headers, body: Buffer.alloc(0) }, clock.now());

  const first = await get();
  const second = await get();
  t.equal(second.json, first.json, 'the same text, not made again');
  t.equal(second.headers!.ETag, first.headers!.ETag);
  t.equal(first.json, JSON.stringify(first.body), 'the text sent is the body');
  t.match(first.body, { PowerState: 'On', Boot: { BootSourceOverrideEnabled: 'Disabled' } });

  controlPower(bmc.model, ChassisAction.POWER_DOWN, clock.now(), LAN_CHANNEL); // ipmitool chassis power off
  const off = await get();
  t.match(off.body, { PowerState: 'Off' });
  t.not(off.headers!.ETag, first.headers!.ETag, 'a new ETag');

  // ipmitool chassis bootdev cdrom
  bmc.model.bootOptions.write(BootParam.BOOT_FLAGS, encodeBootParameter({ kind: 'boot-flags', valid: true, persistent: false, efi: false, device: 0x5 }), false);
  const cd = await get();
  t.match(cd.body, { PowerState: 'Off', Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Cd' } });
  t.not(cd.headers!.ETag, off.headers!.ETag);
  t.equal(cd.json, JSON.stringify(cd.body));
});
