// IsnsClient driving its session over a real socket (127.25.7.1, a scripted server that answers as the
// test says): answers out of order, a timeout on the fake clock, a malformed answer failing one request, a
// stream that breaks failing the rest.
import t, { type Test } from 'tap';
import net from 'node:net';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, encodePdu, type IsnsPdu } from '../../protocols/isns/header.js';
import { ReceiveError } from '../../protocols/isns/receive.js';
import { PduStreamDecoder } from '../../protocols/isns/stream.js';

const HOST = '127.25.7.1';

/** A server that hands each request PDU it receives to the test, with the connection to answer on. */
async function scripted(t: Test): Promise<{ port: number; requests: (count: number) => Promise<{ pdus: IsnsPdu[]; sock: net.Socket }> }> {
  let sock: net.Socket | null = null;
  const pdus: IsnsPdu[] = [];
  const server = net.createServer((s) => {
    sock = s;
    const frames = new PduStreamDecoder();
    s.on('data', (c) => pdus.push(...frames.push(c)));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, HOST, () => r()));
  t.teardown(() => new Promise<void>((r) => { sock?.destroy(); server.close(() => r()); }));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Waits (real time, bounded only against a hang) until `count` request PDUs have arrived. */
    requests: async (count) => {
      for (let i = 0; i < 300 && pdus.length < count; i++) await new Promise((r) => setTimeout(r, 10));
      return { pdus, sock: sock! };
    },
  };
}

/** A status-only response to `p`, or one with `payload` as its body. */
const reply = (p: IsnsPdu, status = 0, payload?: Buffer) => encodePdu(
  { version: 1, functionId: p.header.functionId | 0x8000, transactionId: p.header.transactionId, sequenceId: 0, flags: Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU },
  payload ?? Buffer.from([0, 0, 0, status]));

t.test('answers out of order settle their own requests', async (t) => {
  const s = await scripted(t);
  const c = await IsnsClient.connect({ host: HOST, port: s.port, source: 'iqn.t:c' });
  t.teardown(() => c.close());
  const a = c.request(FunctionId.DEV_ATTR_QRY, [], []);
  const b = c.request(FunctionId.DD_REG, [], []);
  const { pdus, sock } = await s.requests(2);
  sock.write(Buffer.concat([reply(pdus[1], 3), reply(pdus[0], 9)]));
  t.same([(await a).status, (await b).status], [9, 3]);
  t.same([(await a).functionId, (await b).functionId], [FunctionId.DEV_ATTR_QRY_RSP, FunctionId.DD_REG_RSP]);
});

t.test('a request unanswered times out on the fake clock, and only then', async (t) => {
  const clock = new ManualClock(0);
  const s = await scripted(t);
  const c = await IsnsClient.connect({ host: HOST, port: s.port, source: 'iqn.t:c', clock, timeoutMs: 5000 });
  t.teardown(() => c.close());
  let outcome: unknown = 'pending';
  const settled = c.request(FunctionId.DEV_ATTR_QRY, [], []).then((r) => { outcome = r; }, (e: Error) => { outcome = e.message; });
  clock.advance(4999);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(outcome, 'pending', 'waiting at 4999 ms');
  clock.advance(1);
  await settled;
  t.equal(outcome, 'isns: no answer to DevAttrQry within 5000 ms');
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('a malformed answer fails its request; a broken stream fails the rest', async (t) => {
  const s = await scripted(t);
  const c = await IsnsClient.connect({ host: HOST, port: s.port, source: 'iqn.t:c' });
  t.teardown(() => c.close());
  const a = c.request(FunctionId.DEV_ATTR_QRY, [], []).catch((e: unknown) => e);
  const b = c.request(FunctionId.DEV_ATTR_QRY, [], []).catch((e: unknown) => e);
  const d = c.request(FunctionId.DEV_ATTR_QRY, [], []).catch((e: unknown) => e);
  const { pdus, sock } = await s.requests(3);
  sock.write(reply(pdus[0], 0, Buffer.from('00000000' + '0000002000000003', 'hex'))); // an iSCSI Name 3 bytes long
  t.equal(((await a) as ReceiveError).code, 'ERR_ATTR_LENGTH', 'the malformed answer');
  sock.write(Buffer.from('000180020000' + '6c00' + '00010000' + '00000002' + '00000004', 'hex')); // auth block length 4 < 20
  const [eb, ed] = [(await b) as ReceiveError, (await d) as ReceiveError];
  t.same([eb.code, ed.code], ['ERR_AUTH_LENGTH', 'ERR_AUTH_LENGTH'], 'both waiting requests fail with the break');
  t.ok(eb instanceof ReceiveError);
});

t.test('each request times out at its own deadline, whatever was answered before it', async (t) => {
  const clock = new ManualClock(0);
  const s = await scripted(t);
  const c = await IsnsClient.connect({ host: HOST, port: s.port, source: 'iqn.t:c', clock, timeoutMs: 5000 });
  t.teardown(() => c.close());
  const a = c.request(FunctionId.DEV_ATTR_QRY, [], []);
  const { pdus, sock } = await s.requests(1);
  sock.write(reply(pdus[0]));
  t.equal((await a).status, 0, 'the first is answered at once');
  clock.advance(3000);
  let outcome: unknown = 'pending';
  const settled = c.request(FunctionId.DD_REG, [], []).then((r) => { outcome = r; }, (e: Error) => { outcome = e.message; });
  clock.advance(4999); // past the first request's deadline (5000), 1 ms before the second's (8000)
  await new Promise((r) => setTimeout(r, 20));
  t.equal(outcome, 'pending', 'waiting at 7999 ms');
  clock.advance(1);
  await settled;
  t.equal(outcome, 'isns: no answer to DDReg within 5000 ms', 'timed out at 8000 ms');
  t.equal(clock.pending, 0, 'no timer left behind');
});
