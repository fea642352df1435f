// The SLP Service Agent's registration with a Directory Agent (RFC 2608 §8.3, §8.4, §10.6) on a manual clock:
// a FRESH SrvReg sent again after 2, 4 s with the same XID while the DA is silent, a new round 15 s after giving up,
// registered on a SrvAck, refreshed at 3/4 of its lifetime, an error code kept as the state, a SrvDeReg on stop.
// The DA is a bare UDP socket the test answers from.
import t from 'tap';
import dgram from 'node:dgram';
import { ManualClock } from '../../runtime/manual-clock.js';
import { ServiceAgent } from '../../emulator/slp/service-agent.js';
import { parseAttributeList } from '../../protocols/slp/attributes.js';
import { Flag, FunctionId, SlpError } from '../../protocols/slp/header.js';
import { decodeMessage, encodeMessage, type SlpMessage } from '../../protocols/slp/message.js';

const DA = { host: '127.193.2.2', port: 19350 };

async function fakeDa() {
  const sock = dgram.createSocket('udp4');
  const got: { m: SlpMessage; from: dgram.RemoteInfo }[] = [];
  sock.on('message', (msg, from) => got.push({ m: decodeMessage(msg), from }));
  await new Promise<void>((r) => sock.bind(DA.port, DA.host, () => r()));
  const waitFor = async (n: number) => {
    for (let i = 0; i < 500 && got.length < n; i++) await new Promise((r) => setTimeout(r, 2));
    if (got.length < n) throw new Error(`the DA got ${got.length} messages, not ${n}`);
    return got[n - 1];
  };
  const ack = (to: { m: SlpMessage; from: dgram.RemoteInfo }, errorCode: number) =>
    sock.send(encodeMessage({ flags: 0, xid: to.m.xid, langTag: 'en', body: { functionId: FunctionId.SRV_ACK, errorCode } }), to.from.port, to.from.address);
  return { got, waitFor, ack, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

t.test('register: resent while silent, a new round later, registered on SrvAck, refreshed, deregistered on stop', async (t) => {
  const da = await fakeDa();
  t.teardown(da.close);
  const clock = new ManualClock();
  const agent = new ServiceAgent({
    host: '127.193.2.1', port: 19351, scopes: ['DEFAULT'], multicastInterface: null, directoryAgent: DA, clock,
    service: { url: 'service:iscsi:sms://127.193.2.1:3205', lifetime: 100, serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], langTag: 'en', attributes: parseAttributeList('(protocols=isns)') },
  });
  await agent.start();
  const first = await da.waitFor(1);
  t.equal(first.m.flags, Flag.FRESH);
  t.match(first.m.body, { functionId: FunctionId.SRV_REG, url: { lifetime: 100, url: 'service:iscsi:sms://127.193.2.1:3205' }, serviceType: 'service:iscsi:sms', scopes: ['DEFAULT'], attributes: '(protocols=isns)' });
  t.equal(first.from.address, '127.193.2.1', 'sent from the agent\'s own address');
  clock.advance(1999);
  await settle();
  t.equal(da.got.length, 1, 'nothing before CONFIG_RETRY');
  clock.advance(1);
  t.equal((await da.waitFor(2)).m.xid, first.m.xid, 'sent again after 2 s, same XID');
  clock.advance(4000);
  await da.waitFor(3);
  clock.advance(8000);
  await settle();
  t.same(agent.registration, { state: 'no answer', registrations: 0, failures: 1 });
  clock.advance(15_000);
  const round2 = await da.waitFor(4);
  t.not(round2.m.xid, first.m.xid, 'a new round, a new XID');
  da.ack(round2, SlpError.OK);
  for (let i = 0; i < 100 && agent.registration.state !== 'registered'; i++) await settle();
  t.same(agent.registration, { state: 'registered', registrations: 1, failures: 1 });

  clock.advance(74_999);
  await settle();
  t.equal(da.got.length, 4, 'no refresh before 3/4 of the lifetime');
  clock.advance(1);
  const refresh = await da.waitFor(5);
  t.equal(refresh.m.body.functionId, FunctionId.SRV_REG);
  da.ack(refresh, SlpError.SCOPE_NOT_SUPPORTED);
  for (let i = 0; i < 100 && agent.registration.state === 'registered'; i++) await settle();
  t.same(agent.registration, { state: 'SCOPE_NOT_SUPPORTED', registrations: 1, failures: 2 }, 'the DA\'s error is the state');

  clock.advance(15_000);
  da.ack(await da.waitFor(6), SlpError.OK);
  for (let i = 0; i < 100 && agent.registration.state !== 'registered'; i++) await settle();
  const stopping = agent.stop();
  const dereg = await da.waitFor(7);
  t.match(dereg.m.body, { functionId: FunctionId.SRV_DEREG, scopes: ['DEFAULT'], url: { url: 'service:iscsi:sms://127.193.2.1:3205' }, tags: [] });
  da.ack(dereg, SlpError.OK);
  await stopping;
});
