// BMC firmware faults through the control API of a running fleet (shard processes, real UDP and HTTP on loopback),
// with the HPM.1 flasher as the client: firmwareHang set by PUT makes it time out; a power loss (POST .../power-loss)
// while a step hangs brings the BMC back on its old firmware; once the fault is lifted the same BMC flashes.
// The power loss is sent when the flasher reports the stage that hangs, so nothing depends on how fast things run.
import t from 'tap';
import { Fleet } from '../../emulator/fleet/fleet.js';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { HpmFlasher } from '../../clients/ipmi/hpm-flasher.js';
import type { FlashRequest } from '../../clients/ipmi/bmc-flasher.js';
import { GetDeviceId } from '../../protocols/ipmi/commands/device.js';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';
import { freeUdpPort } from '../helpers/free-port.js';

const [HUNG, CUT] = ['127.83.0.1', '127.83.0.2'];
const TARGET = { major: 1, minor: 2 };

const flasher = new HpmFlasher({ requestTimeoutMs: 250, retries: 2, pollIntervalMs: 50, rebootWaitMs: 20_000 });

t.test('firmwareHang and power-loss through the control API', async (t) => {
  const port = await freeUdpPort();
  const fleet = await Fleet.start(fleetConfig({ ipmiPort: port, shards: 1, control: '127.0.0.1:0', racks: [{ bmcs: 2, firstIp: HUNG }] }));
  t.teardown(() => fleet.stop());
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fleet.control!.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json() as any };
  };
  const login = (host: string) => ({ host, port, username: 'admin', password: 'password' });
  const client = await IpmiLanClient.connect(login(HUNG));
  const id = await client.call(GetDeviceId);
  await client.close();
  const firmware = buildFirmware({ deviceId: id.deviceId, manufacturerId: id.manufacturerId, productId: id.productId }, { ...TARGET, aux: new Uint8Array(4) }, 30_000);
  const request = (host: string, extra: Partial<FlashRequest> = {}): FlashRequest =>
    ({ bmc: login(host), image: packFirmwareImage(firmware, 1_700_000_000), target: TARGET, timeoutMs: 30_000, ...extra });

  t.equal((await api('PUT', `/bmcs/${HUNG}/faults`, { firmwareHang: true })).status, 200);
  t.equal((await api('GET', `/bmcs/${HUNG}`)).json.faults.firmwareHang, true, 'GET /bmcs/IP shows it');
  const hung = await flasher.flash(request(HUNG, { timeoutMs: 2000 }));
  t.match(hung, { outcome: BmcOutcome.FAILED, reason: FailureReason.TIMED_OUT, firmware: { major: 1, minor: 0 } });
  const counters = (await api('GET', `/bmcs/${HUNG}`)).json.counters;
  t.equal(counters.requests['2c/30/80'], 1, 'Abort Firmware Upgrade sent; a step that runs cannot be aborted (80h)');

  t.equal((await api('PUT', `/bmcs/${CUT}/faults`, { firmwareHang: true })).status, 200);
  let powerLoss: Promise<{ status: number; json: any }> | null = null;
  const cut = await flasher.flash(request(CUT, {
    onStage: (stage) => { if (stage === 'backup') powerLoss = api('POST', `/bmcs/${CUT}/power-loss`, { offMs: 1000 }); },
  }));
  t.same(await powerLoss, { status: 200, json: { powerLost: CUT, offMs: 1000 } });
  t.match(cut, { outcome: BmcOutcome.FAILED, reason: FailureReason.ROLLED_BACK, firmware: { major: 1, minor: 0 }, detail: /back at 1\.00/ });
  t.same(await flasher.readVersion(login(CUT)), { ok: true, firmware: { major: 1, minor: 0 }, component: null }, 'answering again, on the old firmware');

  t.equal((await api('PUT', `/bmcs/${CUT}/faults`, { firmwareHang: false })).status, 200);
  t.match(await flasher.flash(request(CUT)), { outcome: BmcOutcome.FLASHED, firmware: TARGET }, 'not bricked: the next upgrade goes through');
  t.equal((await api('GET', `/bmcs/${CUT}`)).json.firmware, '1.02');
  t.equal((await api('POST', `/bmcs/${CUT}/power-loss`, { offMs: 0 })).status, 400);
});
