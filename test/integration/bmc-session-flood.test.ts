// Clients without credentials flooding one emulated BMC over real UDP on loopback: Open Session (RMCP+) from three
// addresses and Get Session Challenge with only a user name (IPMI 1.5) from a fourth, each up to its quota of
// half-open sessions: together the whole session table. Asserted: each address gets at most its quota of half-open sessions (the rest are refused), the table never
// exceeds its size and is full while the flood runs, and meanwhile our client and the real ipmitool log in and are
// answered.
import t from 'tap';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { Shard } from '../../emulator/fleet/shard.js';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { DEFAULT_SESSION_LIMITS } from '../../protocols/ipmi/bmc-side/session-table.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { sessionlessRequest, sessionlessResponse } from '../../protocols/ipmi/client-side/sessionless.js';
import { SessionCommand, encodeSessionChallengeRequest } from '../../protocols/ipmi/commands/session-setup.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { GetDeviceId } from '../../protocols/ipmi/commands/device.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import { RakpStatus, decodeOpenSessionResponse } from '../../protocols/ipmi/rakp.js';
import { AuthType } from '../../protocols/ipmi/session-v15.js';
import { decodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { ipmitool } from '../helpers/ipmitool.js';

const PORT = 9767;
const BMC = '127.67.0.1';
const fleet = new Shard(fleetConfig({ ipmiPort: PORT, racks: [{ bmcs: 1, firstIp: BMC }] }), 0, 0, 1);
const table = () => fleet.nodesOf(bmcKind).nodes[0].channel.sessions;

t.before(() => fleet.bind());
t.teardown(() => fleet.close());

interface Flooder { socket: Socket; accepted: number; refused: number }

async function flooder(address: string): Promise<Flooder> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
  return { socket, accepted: 0, refused: 0 };
}

t.test('a flood of setups without credentials holds no more than its quota; our client and ipmitool still log in', async (t) => {
  const rmcpPlus = await Promise.all([1, 2, 3].map((n) => flooder(`127.67.1.${n}`)));
  const v15 = await flooder('127.67.1.4');
  t.teardown(() => { for (const f of [...rmcpPlus, v15]) f.socket.close(); });
  for (const f of rmcpPlus) {
    f.socket.on('message', (d) => {
      const status = decodeOpenSessionResponse(decodeSessionV20(d).payload).status;
      if (status === RakpStatus.NO_ERRORS) f.accepted++;
      else if (status === RakpStatus.INSUFFICIENT_RESOURCES) f.refused++;
    });
  }
  v15.socket.on('message', (d) => {
    if (sessionlessResponse(d).completionCode === 0) v15.accepted++;
    else v15.refused++;
  });
  const challenge = sessionlessRequest(NetFn.APP, SessionCommand.GET_SESSION_CHALLENGE, encodeSessionChallengeRequest({ authType: AuthType.MD5, username: 'admin' }), 1);
  let largest = 0;
  let full = 0;
  // 1,600 setups a second: the table used to be held by 3.2 a second (32 sessions, 10 s setup timeout).
  const flood = setInterval(() => {
    for (const f of rmcpPlus) {
      for (let i = 0; i < 2; i++) {
        const open = new RmcpPlusClientSession({ username: 'admin', password: '', cipherSuite: 17, random: randomBytes }).open();
        f.socket.send(open, PORT, BMC);
      }
    }
    v15.socket.send(challenge, PORT, BMC);
    v15.socket.send(challenge, PORT, BMC);
    largest = Math.max(largest, table().size);
    if (table().size === DEFAULT_SESSION_LIMITS.maxSessions) full++;
  }, 5);
  try {
    await new Promise((r) => setTimeout(r, 300));
    t.equal(table().size, DEFAULT_SESSION_LIMITS.maxSessions, 'the flood fills the session table');

    const client = await IpmiLanClient.connect({ host: BMC, port: PORT, username: 'admin', password: 'password' });
    for (let i = 0; i < 5; i++) t.ok((await client.call(GetDeviceId, undefined)).deviceId >= 0, `our client: Get Device ID ${i + 1} answered`);
    await client.close();

    const tool = await ipmitool({ host: BMC, port: PORT }, ['mc', 'info'], { timeoutMs: 20_000 });
    t.equal(tool.code, 0, `ipmitool mc info during the flood: ${tool.stderr.trim()}`);
    t.match(tool.stdout, /Device ID/);
  } finally {
    clearInterval(flood);
  }
  await new Promise((r) => setTimeout(r, 100)); // the last answers in flight
  t.ok(full > 0, 'the table was full while both logged in');
  t.ok(largest <= DEFAULT_SESSION_LIMITS.maxSessions, `the table never held more than ${DEFAULT_SESSION_LIMITS.maxSessions} (largest ${largest})`);
  for (const [i, f] of [...rmcpPlus, v15].entries()) {
    t.ok(f.refused > 0, `flooder ${i + 1}: refused ${f.refused} setups over its quota (accepted ${f.accepted})`);
  }
});
