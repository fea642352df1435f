// An independent decoder checks our SLPv2 bytes (RFC 2608): no SLP daemon or client is packaged in Debian 12
// (openslp was removed, open-isns is built without SLP: ../shared/PEERS.md "SLP"), so the peer is the real tshark's
// SRVLOC dissector. A session on loopback — the iSNS server's agent registering with our Directory Agent, a
// multicast search with convergence, a search through the DA, an AttrRqst, a SrvTypeRqst, a DAAdvert, an error
// reply and a deregistration — is captured and dissected: nothing may show as malformed or as an expert error,
// and the decoded fields must be ours.
import t from 'tap';
import dgram from 'node:dgram';
import { execFile, spawnSync } from 'node:child_process';
import { findIsnsServers } from '../../clients/slp/slp-client.js';
import { DirectoryAgent } from '../../emulator/slp/directory-agent.js';
import { TargetFleet } from '../../emulator/fleet/target-fleet.js';
import { DEFAULT_ISNS_SLP } from '../../emulator/isns/isns-slp.js';
import { FunctionId } from '../../protocols/slp/header.js';
import { decodeMessage, encodeMessage, type SlpMessage } from '../../protocols/slp/message.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const SLP_PORT = 19341;
const DA = { host: '127.193.1.3', port: SLP_PORT };
const ISNS = { host: '127.193.1.2', port: 19342 };

function dissect(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-d', `udp.port==${SLP_PORT},srvloc`, '-V'], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}

/** One request to `to`, and its answer. */
async function ask(to: { host: string; port: number }, m: SlpMessage): Promise<SlpMessage> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.193.1.9', () => r()));
  try {
    return await new Promise<SlpMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 5000);
      sock.once('message', (msg) => { clearTimeout(timer); resolve(decodeMessage(msg)); });
      sock.send(encodeMessage(m), to.port, to.host);
    });
  } finally {
    sock.close();
  }
}

t.test('tshark dissects our SLP session as SRVLOC, clean and with our values', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const capture = await startCapture(`udp port ${SLP_PORT}`);
  const da = new DirectoryAgent({ ...DA });
  await da.start();
  const targets = await TargetFleet.start({ ...ISNS, defaultDiscoveryDomain: true, slp: { ...DEFAULT_ISNS_SLP, port: SLP_PORT, directoryAgent: DA } }, [], null);
  for (let i = 0; i < 200 && targets.slp!.registration.state !== 'registered'; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(targets.slp!.registration.state, 'registered');

  t.equal((await findIsnsServers({ port: SLP_PORT })).length, 1, 'multicast');
  t.equal((await findIsnsServers({ directoryAgent: DA })).length, 1, 'through the DA');
  const attrs = await ask({ host: ISNS.host, port: SLP_PORT }, {
    flags: 0, xid: 0x101, langTag: 'en', body: { functionId: FunctionId.ATTR_RQST, previousResponders: [], url: 'service:iscsi:sms', scopes: ['DEFAULT'], tags: [], spi: '' },
  });
  t.match(attrs.body, { functionId: FunctionId.ATTR_RPLY, attributes: '(description=iSNS Server),(protocols=isns)' });
  const types = await ask({ host: ISNS.host, port: SLP_PORT }, {
    flags: 0, xid: 0x102, langTag: 'en', body: { functionId: FunctionId.SRV_TYPE_RQST, previousResponders: [], namingAuthority: null, scopes: ['DEFAULT'] },
  });
  t.match(types.body, { functionId: FunctionId.SRV_TYPE_RPLY, serviceTypes: ['service:iscsi:sms'] });
  const advert = await ask(DA, {
    flags: 0, xid: 0x103, langTag: 'en', body: { functionId: FunctionId.SRV_RQST, previousResponders: [], serviceType: 'service:directory-agent', scopes: ['DEFAULT'], predicate: '', spi: '' },
  });
  t.match(advert.body, { functionId: FunctionId.DA_ADVERT, url: 'service:directory-agent://127.193.1.3' });
  const refused = await ask(DA, {
    flags: 0, xid: 0x104, langTag: 'en', body: { functionId: FunctionId.SRV_RQST, previousResponders: [], serviceType: 'service:iscsi:sms', scopes: ['elsewhere'], predicate: '', spi: '' },
  });
  t.match(refused.body, { functionId: FunctionId.SRV_RPLY, errorCode: 4 });
  await targets.stop();
  await da.stop();
  await capture.stop();

  const out = await dissect(capture.file);
  // the one error reply we asked for is flagged by the dissector as an error response, as it should be
  const wanted = '[Expert Info (Error/Response): Error: Scope list not supported]';
  t.same(malformedLines(out).filter((l) => l.trim() !== wanted), [], 'nothing malformed, no other expert error');
  t.equal(malformedLines(out).length, 1, 'the refused request\'s reply is the only error');
  const count = (s: string) => out.split(s).length - 1;
  for (const [fn, n] of [['Service Registration (3)', 1], ['Service Acknowledge (5)', 2], ['Service Deregister (4)', 1], ['Attribute Request (6)', 1],
    ['Attribute Reply (7)', 1], ['Service Type Request (9)', 1], ['Service Type Reply (10)', 1], ['DA Advertisement (8)', 1]] as const) {
    t.equal(count(`Function: ${fn}`), n, fn);
  }
  t.ok(count('Function: Service Request (1)') >= 4, 'Service Requests: two multicast rounds, the DA, the DA advert, the refused one');
  for (const want of [
    'Flags: 0x4000, Fresh Registration', 'Flags: 0x2000, Multicast requested', 'Service Type List: service:iscsi:sms', 'Predicate: (protocols=isns)',
    'Previous Response List: 127.193.1.2', 'URL: service:iscsi:sms://127.193.1.2:19342', 'URL lifetime: 10800', 'Scope List: DEFAULT',
    'Attribute List: (description=iSNS Server),(protocols=isns)', 'Error Code: Scope list not supported (4)', 'URL: service:directory-agent://127.193.1.3',
  ]) t.ok(out.includes(want), want);
});
