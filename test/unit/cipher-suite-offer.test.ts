// Which cipher suites an emulated BMC offers (Get Channel Cipher Suites, IPMI 2.0 §22.15) and accepts (Open
// Session, §13.17): by default only suites with integrity protection; suite 0 only with allowCipherSuite0.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { CIPHER_SUITES, DEFAULT_BMC_SUITES, IntegrityAlgorithm, parseCipherSuiteRecords, suiteById } from '../../protocols/ipmi/cipher-suites.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { CIPHER_SUITE_CHUNK, CURRENT_CHANNEL, SessionCommand, encodeCipherSuitesRequest } from '../../protocols/ipmi/commands/session-setup.js';
import { getChannelCipherSuites } from '../../protocols/ipmi/bmc-side/sessionless-commands.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { RakpStatus } from '../../protocols/ipmi/rakp.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const PEER = { address: '127.0.0.1', port: 40000 };
const NO_INTEGRITY = CIPHER_SUITES.filter((s) => s.integrity === IntegrityAlgorithm.NONE).map((s) => s.id); // 0, 1, 6, 15

function emulatedBmc(allowCipherSuite0?: boolean): EmulatedBmc {
  return new EmulatedBmc({ ip: '127.63.0.1', clock: new ManualClock(1_700_000_000_000), allowCipherSuite0 });
}

/** The suite IDs Get Channel Cipher Suites lists, reading every 16-byte chunk as ipmitool does. */
function listedSuites(bmc: EmulatedBmc): number[] {
  const records: Buffer[] = [];
  for (let index = 0; index < 64; index++) {
    const data = encodeCipherSuitesRequest({ channel: CURRENT_CHANNEL, payloadType: 0, listBySuite: true, index });
    const answer = getChannelCipherSuites(bmc.channel.config, {
      rsAddr: 0x20, netFn: NetFn.APP, rsLun: 0, rqAddr: 0x81, rqSeq: index, rqLun: 0, cmd: SessionCommand.GET_CHANNEL_CIPHER_SUITES, data,
    });
    const chunk = Buffer.from(answer.data!).subarray(1); // after the channel number
    records.push(chunk);
    if (chunk.length < CIPHER_SUITE_CHUNK) break;
  }
  return parseCipherSuiteRecords(Buffer.concat(records)).map((s) => s.id);
}

/** Opens an RMCP+ session with `suite` through the BMC's LAN channel, then sends Get Device ID; throws a SessionError when refused. */
function logIn(bmc: EmulatedBmc, suite: number): void {
  const client = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: suite, random: randomBytes });
  let out = client.open();
  for (;;) {
    const r = bmc.channel.receive(out, PEER, 0);
    if (r.kind !== 'reply') throw new Error(`BMC did not answer: ${r.kind}`);
    const step = client.handshake(r.datagram);
    if (step.kind === 'established') break;
    if (step.kind !== 'send') throw new Error('handshake stalled');
    out = step.datagram;
  }
  const r = bmc.channel.receive(client.request(NetFn.APP, 0x01, Buffer.alloc(0), 1), PEER, 0);
  if (r.kind !== 'request' || r.request.cmd !== 0x01) throw new Error(`Get Device ID not accepted: ${r.kind}`);
}

t.test('every suite offered by default signs its packets (§13.28.4)', (t) => {
  for (const id of DEFAULT_BMC_SUITES) t.not(suiteById(id)!.integrity, IntegrityAlgorithm.NONE, `suite ${id} has integrity`);
  t.same(DEFAULT_BMC_SUITES.slice(0, 2), [17, 3], '17 and 3 first');
  t.end();
});

t.test('by default a BMC lists and accepts only integrity-protected suites', (t) => {
  const bmc = emulatedBmc();
  t.same(bmc.model.cipherSuites, [17, 3, 2, 7, 8, 11, 12, 16]);
  t.same(listedSuites(bmc), [17, 3, 2, 7, 8, 11, 12, 16], 'Get Channel Cipher Suites');
  for (const id of NO_INTEGRITY) {
    t.throws(() => logIn(bmc, id), { name: 'SessionError', status: RakpStatus.NO_CIPHER_SUITE_MATCH }, `suite ${id} refused`);
  }
  for (const id of DEFAULT_BMC_SUITES) t.doesNotThrow(() => logIn(bmc, id), `suite ${id} accepted`);
  t.end();
});

t.test('allowCipherSuite0 offers suite 0, last, and accepts it; suites 1, 6 and 15 stay off', (t) => {
  const bmc = emulatedBmc(true);
  t.same(bmc.model.cipherSuites, [17, 3, 2, 7, 8, 11, 12, 16, 0]);
  t.same(listedSuites(bmc), [17, 3, 2, 7, 8, 11, 12, 16, 0], 'Get Channel Cipher Suites');
  t.doesNotThrow(() => logIn(bmc, 0), 'suite 0 accepted');
  for (const id of [1, 6, 15]) {
    t.throws(() => logIn(bmc, id), { name: 'SessionError', status: RakpStatus.NO_CIPHER_SUITE_MATCH }, `suite ${id} refused`);
  }
  t.end();
});

t.test('suite 0 stays off unless allowed, even in an explicit list', (t) => {
  const listed = new EmulatedBmc({ ip: '127.63.0.2', clock: new ManualClock(0), cipherSuites: [0, 17] });
  t.same(listed.model.cipherSuites, [17]);
  t.throws(() => logIn(listed, 0), { name: 'SessionError', status: RakpStatus.NO_CIPHER_SUITE_MATCH });
  const allowed = new EmulatedBmc({ ip: '127.63.0.3', clock: new ManualClock(0), cipherSuites: [17], allowCipherSuite0: true });
  t.same(allowed.model.cipherSuites, [17, 0]);
  t.doesNotThrow(() => logIn(allowed, 0));
  t.end();
});
