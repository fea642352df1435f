// What IpmiLanClient throws, against an emulated BMC over real UDP on loopback with the client's timers on a
// ManualClock: every error is an IpmiError with a stable code and the host (or a DecodeError, for a malformed answer).
import t, { type Test } from 'tap';
import { IpmiLanClient, type IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import { IpmiError, IpmiErrorCode } from '../../clients/ipmi/ipmi-errors.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { DecodeError } from '../../protocols/errors.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { RakpStatus } from '../../protocols/ipmi/rakp.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { startUdpBmc, until, type UdpBmc } from '../helpers/udp-bmc.js';

const IP = '127.64.0.2';
const PORT = 9664;
const TIMEOUT_MS = 60_000;

/** A command with no data each way, for the completion codes: `cmd` chooses which. */
function command(name: string, netFn: number, cmd: number): IpmiCommand<void, Uint8Array> {
  return {
    name, netFn, cmd, privilege: Privilege.USER,
    encodeRequest: () => new Uint8Array(0), decodeRequest: () => undefined,
    encodeResponse: (r) => r, decodeResponse: (data) => data,
  };
}

/** Get Device ID (IPMI 2.0 §20.1) read as if its answer were 64 bytes long: every real answer is malformed to it. */
const GetDeviceIdTooLong: IpmiCommand<void, number> = {
  ...command('Get Device ID', NetFn.APP, 0x01),
  encodeResponse: (deviceId) => Uint8Array.of(deviceId),
  decodeResponse: (data) => {
    if (data.length < 64) throw new DecodeError('ipmi', 'device id', data.length, 'needs 64 bytes', 'ERR_TRUNCATED');
    return data[0];
  },
};

let udp: UdpBmc;
t.before(async () => { udp = await startUdpBmc(IP, PORT); });
t.teardown(() => udp.close());

async function connect(t: Test, clock = new ManualClock(), more: Partial<IpmiClientOptions> = {}): Promise<IpmiLanClient> {
  const client = await IpmiLanClient.connect({ host: IP, port: PORT, username: 'admin', password: 'password', clock, timeoutMs: TIMEOUT_MS, retries: 2, ...more });
  t.teardown(() => client.close());
  return client;
}

t.test('no answer after every attempt: IPMI_TIMEOUT, with the host', async (t) => {
  const clock = new ManualClock();
  const client = await connect(t, clock);
  const lostBefore = udp.bmc.counters.drops.get('fault-lost') ?? 0;
  const lost = () => (udp.bmc.counters.drops.get('fault-lost') ?? 0) - lostBefore;
  udp.bmc.setFaults({ lossPercent: 100 });
  t.teardown(() => udp.bmc.setFaults({ lossPercent: 0 }));
  const answer = client.call(command('Get Device ID', NetFn.APP, 0x01));
  for (let attempt = 1; attempt <= 3; attempt++) {
    await until(() => lost() === attempt, `attempt ${attempt} sent`);
    clock.advance(TIMEOUT_MS);
  }
  await t.rejects(answer, { name: 'IpmiTimeoutError', code: IpmiErrorCode.TIMEOUT, host: IP, message: `${IP}: no answer to Get Device ID` });
  t.equal(lost(), 3, 'the first attempt and 2 retries');
  udp.bmc.setFaults({ lossPercent: 0 }); // before the teardown closes the client: Close Session gets its answer
});

t.test('a request on a closed client, or pending when it closes: IPMI_CLOSED, with the host', async (t) => {
  const client = await connect(t);
  udp.holding = true;
  const pending = client.callRaw(NetFn.APP, 0x01);
  await until(() => udp.held.length === 1, 'the answer held');
  udp.holding = false;
  const closed = client.close();
  await t.rejects(pending, { name: 'IpmiClosedError', code: IpmiErrorCode.CLOSED, host: IP }, 'pending at close');
  await closed;
  t.equal(udp.bmc.channel.sessions.size, 0, 'the session closed all the same');
  udp.held.splice(0).forEach((send) => send()); // too late: nobody listens
  await t.rejects(client.call(command('Get Device ID', NetFn.APP, 0x01)), { code: IpmiErrorCode.CLOSED, host: IP, message: `${IP}: Get Device ID: the client is closed` }, 'called after close');
  await t.rejects(client.request(NetFn.APP, 0x01), { code: IpmiErrorCode.CLOSED, host: IP }, 'requested after close');
  t.throws(() => client.post(NetFn.APP, 0x01), { code: IpmiErrorCode.CLOSED, host: IP }, 'posted after close');
});

t.test('a completion code other than 00h: IPMI_COMPLETION_CODE with its value and the host', async (t) => {
  const client = await connect(t);
  await t.rejects(client.call(command('Unknown', NetFn.APP, 0x7f)),
    { name: 'CompletionCodeError', code: IpmiErrorCode.COMPLETION_CODE, completionCode: 0xc1, host: IP, message: /^127\.64\.0\.2: Unknown: .*\(0xc1\)$/ });
  await t.rejects(client.callRaw(NetFn.APP, 0x01, Uint8Array.of(0xff)), { code: IpmiErrorCode.COMPLETION_CODE, completionCode: 0xc7, host: IP }, 'callRaw: C7h, Get Device ID takes no data');
  const res = await client.request(NetFn.APP, 0x7f);
  t.equal(res.completionCode, 0xc1, 'request() hands any completion code back');
});

t.test('a malformed answer to a typed call: the definition\'s DecodeError', async (t) => {
  const client = await connect(t);
  await t.rejects(client.call(GetDeviceIdTooLong), { name: 'DecodeError', code: 'ERR_TRUNCATED' });
  t.ok((await client.callRaw(NetFn.APP, 0x01)).length > 0, 'the session goes on');
});

t.test('a wrong password or user: IPMI_AUTH, with the host, the RAKP status and the SessionError as cause', async (t) => {
  const clock = new ManualClock();
  const wrongPassword = await connect(t, clock, { password: 'nope' }).catch((err: unknown) => err);
  t.ok(wrongPassword instanceof IpmiError, 'an IpmiError');
  t.match(wrongPassword, { name: 'IpmiAuthError', code: IpmiErrorCode.AUTH, host: IP, rakpStatus: null, cause: { code: 'ERR_RAKP2_HMAC' } },
    'wrong password: RAKP 2\'s HMAC does not check out here');
  await t.rejects(connect(t, clock, { username: 'nobody' }),
    { name: 'IpmiAuthError', code: IpmiErrorCode.AUTH, host: IP, rakpStatus: RakpStatus.UNAUTHORIZED_NAME, cause: { code: 'ERR_RAKP_STATUS' } },
    'unknown user: the BMC says unauthorized name');
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('wrong passwords do not fill the BMC\'s session table: each failed login frees its session (RAKP 3 with an error)', async (t) => {
  const clock = new ManualClock();
  const { maxHalfOpenPerSource } = udp.bmc.channel.sessions.limits;
  // One more than a source address may hold half-open: without the abort, the last is refused for want of room.
  for (let i = 0; i <= maxHalfOpenPerSource; i++) {
    await t.rejects(connect(t, clock, { password: 'nope' }), { code: IpmiErrorCode.AUTH, rakpStatus: null, cause: { code: 'ERR_RAKP2_HMAC' } },
      `wrong password ${i + 1}: told so, not refused for want of room`);
  }
  await until(() => udp.bmc.channel.sessions.size === 0, 'every half-open session let go');
  const client = await connect(t, clock);
  t.ok((await client.callRaw(NetFn.APP, 0x01)).length > 0, 'the right password logs in at once');
});
