// IpmiLanClient with many requests in flight against an emulated BMC over real UDP on loopback, its timers on a
// ManualClock: answers find their requests by netFn, command and rqSeq whatever order they come in; answers nobody
// waits for go to onResponse; a lost answer is sent again when the clock says so, with a fresh session sequence number.
import t, { type Test } from 'tap';
import { IpmiLanClient, MAX_IN_FLIGHT } from '../../clients/ipmi/ipmi-client.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { NetFn, type IpmiResponse } from '../../protocols/ipmi/message.js';
import {
  BmcfleetOemCommand, InventorySelector, decodeInventoryRequest, decodeInventoryResponse, encodeInventoryRequest, encodeInventoryResponse,
  type InventoryRequest, type InventoryResponse,
} from '../../protocols/ipmi/oem/inventory.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { startUdpBmc, until, type UdpBmc } from '../helpers/udp-bmc.js';

const IP = '127.64.0.1';
const PORT = 9664;
const TIMEOUT_MS = 60_000; // a minute per attempt: only the ManualClock can make the client retransmit within the test

/** The bmcfleet OEM command as a definition, from its codec (README: Get Hardware Inventory). */
const GetHardwareInventory: IpmiCommand<InventoryRequest, InventoryResponse> = {
  name: 'Get Hardware Inventory', netFn: NetFn.OEM_GROUP, cmd: BmcfleetOemCommand.GET_HARDWARE_INVENTORY, privilege: Privilege.USER,
  encodeRequest: encodeInventoryRequest,
  decodeRequest: decodeInventoryRequest,
  encodeResponse: encodeInventoryResponse,
  decodeResponse: (data, req) => decodeInventoryResponse(data, req.selector),
};

/** Get Device ID (IPMI 2.0 §20.1), only the first two bytes: device ID and device revision. */
const GetDeviceId: IpmiCommand<void, { deviceId: number; revision: number }> = {
  name: 'Get Device ID', netFn: NetFn.APP, cmd: 0x01, privilege: Privilege.USER,
  encodeRequest: () => new Uint8Array(0),
  decodeRequest: () => undefined,
  encodeResponse: (r) => Uint8Array.of(r.deviceId, r.revision),
  decodeResponse: (data) => ({ deviceId: data[0], revision: data[1] & 0x0f }),
};

/** Per attempt, the BMC's loss fault draws once for the request and once for its answer: below 50 loses it. */
const draws: number[] = [];
let udp: UdpBmc;

t.before(async () => {
  udp = await startUdpBmc(IP, PORT, { faults: { lossPercent: 50 }, lossRandom: () => draws.shift() ?? 0.99 });
});
t.teardown(() => udp.close());

/** A client for test `t`, closed when it ends (also when it fails: an open socket would keep the test running). */
async function connect(t: Test, clock: ManualClock): Promise<IpmiLanClient> {
  const client = await IpmiLanClient.connect({ host: IP, port: PORT, username: 'admin', password: 'password', clock, timeoutMs: TIMEOUT_MS, retries: 3 });
  t.teardown(() => client.close());
  return client;
}

const deviceIdOf = (u: UdpBmc) => ({ deviceId: u.bmc.model.device.deviceId, revision: u.bmc.model.device.deviceRevision & 0x0f });
const drops = (reason: string) => udp.bmc.counters.drops.get(reason) ?? 0;
/** Requests the BMC ran, answered 00h. */
const ran = (netFn: number, cmd: number) => udp.bmc.counters.requests.get((netFn << 16) | (cmd << 8)) ?? 0;

/** Lets every held answer go, in the order of `order` (indexes into the held list). */
function release(order: number[]): void {
  const held = udp.held.splice(0);
  if ([...order].sort((a, b) => a - b).join() !== [...held.keys()].join()) throw new Error(`release(${order}): ${held.length} answers held`);
  for (const i of order) held[i]();
}

t.test('two requests of the same command in flight, answered out of order, each get their own answer', async (t) => {
  const client = await connect(t, new ManualClock());
  udp.holding = true;
  const settled: string[] = [];
  const summary = client.call(GetHardwareInventory, { selector: InventorySelector.SUMMARY, index: 0 }).finally(() => settled.push('summary'));
  const nic = client.call(GetHardwareInventory, { selector: InventorySelector.NIC, index: 0 }).finally(() => settled.push('nic'));
  const id = client.call(GetDeviceId).finally(() => settled.push('device id'));
  await until(() => udp.held.length === 3, 'three answers held');
  udp.holding = false;
  release([2, 1, 0]);
  const hw = udp.bmc.model.hardware;
  t.match((await summary).record, { selector: 0, item: { serial: hw.serial, nics: hw.nics.length } }, 'the summary');
  t.same((await nic).record, { selector: 4, item: { speedMbps: hw.nics[0].speedMbps, mac: hw.nics[0].mac, name: hw.nics[0].name, model: hw.nics[0].model } }, 'the first NIC');
  t.same(await id, deviceIdOf(udp), 'the device ID');
  t.same(settled, ['device id', 'nic', 'summary'], 'answered in the reverse order');
});

t.test('answers no request waits for go to onResponse: a posted request\'s, and the duplicate of a retransmitted one', async (t) => {
  const clock = new ManualClock();
  const client = await connect(t, clock);
  const unclaimed: IpmiResponse[] = [];
  client.onResponse = (res) => unclaimed.push(res);
  udp.holding = true;
  const posted = client.post(NetFn.OEM_GROUP, BmcfleetOemCommand.GET_HARDWARE_INVENTORY, encodeInventoryRequest({ selector: InventorySelector.SUMMARY, index: 0 }));
  const id = client.call(GetDeviceId);
  await until(() => udp.held.length === 2, 'both answers held');
  clock.advance(TIMEOUT_MS); // Get Device ID goes again: the BMC answers it twice
  await until(() => udp.held.length === 3, 'the retransmission answered');
  udp.holding = false;
  release([1, 2, 0]);
  t.same(await id, deviceIdOf(udp), 'the request got its answer');
  await until(() => unclaimed.length === 2, 'two answers unclaimed');
  t.match(unclaimed, [
    { netFn: NetFn.APP | 1, cmd: 0x01, completionCode: 0 },
    { netFn: NetFn.OEM_GROUP | 1, cmd: BmcfleetOemCommand.GET_HARDWARE_INVENTORY, rqSeq: posted, completionCode: 0 },
  ], 'the duplicate answer, then the posted request\'s (matched by its rqSeq)');
});

t.test(`more than ${MAX_IN_FLIGHT} requests: the rest wait their turn, and every one gets its own answer`, async (t) => {
  const client = await connect(t, new ManualClock());
  const inBefore = udp.bmc.counters.datagramsIn;
  udp.holding = true;
  const selectors = Array.from({ length: MAX_IN_FLIGHT + 8 }, (_, i) => i % 5);
  const calls = selectors.map((selector) => client.call(GetHardwareInventory, { selector, index: 0 }));
  await until(() => udp.held.length === MAX_IN_FLIGHT, `${MAX_IN_FLIGHT} answers held`);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  t.equal(udp.bmc.counters.datagramsIn - inBefore, MAX_IN_FLIGHT, `only ${MAX_IN_FLIGHT} sent while none is answered`);
  udp.held.shift()!();
  await until(() => udp.held.length === MAX_IN_FLIGHT, 'one answer let go, one more request sent');
  t.equal(udp.bmc.counters.datagramsIn - inBefore, MAX_IN_FLIGHT + 1, 'one more sent');
  udp.holding = false;
  release([...udp.held.keys()].reverse());
  const answers = await Promise.all(calls);
  t.same(answers.map((a) => a.record.selector), selectors, 'each answer is its own request\'s');
});

t.test('a lost answer is sent again when the ManualClock says so, in the handshake and in the session', async (t) => {
  const clock = new ManualClock();
  const lostBefore = drops('fault-lost-outgoing');
  draws.push(0.99, 0.01); // the Open Session Request arrives; its answer is lost
  const connecting = connect(t, clock);
  await until(() => drops('fault-lost-outgoing') === lostBefore + 1, 'the Open Session answer lost');
  const inBefore = udp.bmc.counters.datagramsIn;
  clock.advance(TIMEOUT_MS - 1);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  t.equal(udp.bmc.counters.datagramsIn, inBefore, 'nothing sent again before the timeout');
  clock.advance(1);
  const client = await connecting;
  t.pass('the session opened after the Open Session Request went again');

  const ranBefore = ran(NetFn.APP, 0x01);
  draws.push(0.99, 0.01); // Get Device ID arrives and runs; its answer is lost
  const id = client.call(GetDeviceId);
  await until(() => drops('fault-lost-outgoing') === lostBefore + 2, 'the Get Device ID answer lost');
  clock.advance(TIMEOUT_MS);
  t.same(await id, deviceIdOf(udp), 'answered the second time');
  t.equal(ran(NetFn.APP, 0x01) - ranBefore, 2, 'the BMC ran it twice');
  t.equal(drops('replay'), 0, 'the retransmission had a fresh session sequence number: not dropped as a replay (§13.14)');
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('traffic counts every datagram the client sends, the handshake\'s too, as the BMC receives them', async (t) => {
  const clock = new ManualClock();
  const before = udp.bmc.counters.datagramsIn;
  const traffic = { datagrams: 0, bytes: 0 };
  const client = await IpmiLanClient.connect({ host: IP, port: PORT, username: 'admin', password: 'password', clock, timeoutMs: TIMEOUT_MS, traffic });
  t.teardown(() => client.close());
  await client.call(GetDeviceId, undefined);
  t.equal(traffic.datagrams, 5, 'Open Session, RAKP 1, RAKP 3, Set Session Privilege Level, Get Device ID');
  t.equal(udp.bmc.counters.datagramsIn - before, traffic.datagrams, 'what the BMC received');
  // Get Device ID over suite 17: RMCP (4) + session header (12) + confidentiality header and trailer (16 + 16) + message (7) + ICV (16) at least.
  t.ok(traffic.bytes > 5 * 40, `${traffic.bytes} bytes`);
});
