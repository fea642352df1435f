// The client's SCN/ESI listener fed datagrams directly (no sockets): SCNs answered and reported, a
// multi-PDU SCN joined, malformed input counted and unanswered, and an exception that is not a DecodeError
// (here, from an 'scn' handler) surfacing to the caller instead of being counted as malformed.
import t from 'tap';
import { IsnsClientListener, type ScnNotice } from '../../clients/isns/isns-client-listener.js';
import { ScnBitmap, Tag } from '../../protocols/isns/attributes.js';
import { decodeMessage, encodeMessage, type IsnsRequest, type IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, decodePdu } from '../../protocols/isns/header.js';
import { Status } from '../../protocols/isns/status.js';
import { attr } from '../../protocols/isns/tlv.js';

const SERVER = { address: '127.25.7.9', port: 3205 };

/** An SCN as our server and isnsd send it: no Source, no delimiter; destination, timestamp, then events. */
const scn = (tx: number, names: string[]): IsnsRequest => ({
  kind: 'request', functionId: FunctionId.SCN, transactionId: tx, flags: Flag.SERVER, source: null, noDelimiter: true, operating: [],
  key: [attr(Tag.ISCSI_NAME, 'iqn.i:watcher'), attr(Tag.TIMESTAMP, 1_700_000_000n),
    ...names.flatMap((n) => [attr(Tag.ISCSI_SCN_BITMAP, ScnBitmap.OBJECT_ADDED), attr(Tag.ISCSI_NAME, n)])],
});

function response(b: Buffer[]): IsnsResponse {
  t.equal(b.length, 1, 'one PDU back');
  const p = decodePdu(b[0]);
  return decodeMessage({ ...p.header, payload: p.payload }) as IsnsResponse;
}

t.test('an SCN is reported and answered with SCNRsp naming the destination', (t) => {
  const l = new IsnsClientListener();
  const heard: ScnNotice[] = [];
  l.on('scn', (n: ScnNotice) => heard.push(n));
  const rsp = response(l.datagram(encodeMessage(scn(5, ['iqn.t:x']))[0], SERVER));
  t.same([rsp.functionId, rsp.transactionId, rsp.status, rsp.key], [FunctionId.SCN_RSP, 5, Status.SUCCESSFUL, [attr(Tag.ISCSI_NAME, 'iqn.i:watcher')]]);
  t.same(heard, [{ destination: 'iqn.i:watcher', timestamp: 1_700_000_000n, events: [{ bits: ScnBitmap.OBJECT_ADDED, name: 'iqn.t:x' }], transport: 'udp' }]);
  t.end();
});

t.test('an SCN in several datagrams is joined per server', (t) => {
  const l = new IsnsClientListener();
  const heard: ScnNotice[] = [];
  l.on('scn', (n: ScnNotice) => heard.push(n));
  const names = Array.from({ length: 6 }, (_, i) => `iqn.2024-01.test:target-number-${i}`);
  const pdus = encodeMessage(scn(6, names), 64);
  t.ok(pdus.length > 2, `${pdus.length} PDUs`);
  const other = encodeMessage(scn(6, ['iqn.t:other'])); // another server, same transaction ID, one PDU
  t.same(l.datagram(pdus[0], SERVER), []);
  t.same(l.datagram(other[0], { address: '127.25.7.10', port: 3205 }).length, 1, "the other server's one-PDU SCN");
  for (const p of pdus.slice(1, -1)) t.same(l.datagram(p, SERVER), []);
  t.equal(response(l.datagram(pdus.at(-1)!, SERVER)).status, Status.SUCCESSFUL);
  t.same(heard.map((n) => n.events.length), [1, 6]);
  t.end();
});

t.test('malformed input is counted and not answered', (t) => {
  const l = new IsnsClientListener();
  t.same(l.datagram(Buffer.from('hello'), SERVER), [], 'not iSNSP');
  const bad = Buffer.from(encodeMessage(scn(7, ['iqn.t:x']))[0]);
  bad.writeUInt32BE(3, 12 + 4); // the first attribute's length: not a multiple of 4
  t.same(l.datagram(bad, SERVER), [], 'a body that does not decode');
  t.equal(l.counters.malformed, 2);
  t.equal(l.counters.scns, 0);
  t.end();
});

t.test('an exception that is not a DecodeError is not swallowed', (t) => {
  const l = new IsnsClientListener();
  l.on('scn', () => { throw new TypeError('a bug in a handler'); });
  t.throws(() => l.datagram(encodeMessage(scn(8, ['iqn.t:x']))[0], SERVER), { name: 'TypeError', message: 'a bug in a handler' });
  t.equal(l.counters.malformed, 0, 'not counted as malformed input');
  t.end();
});
