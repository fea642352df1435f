// Conformance: CHAP (RFC 7143 §12.1.3) against the real tgtd (Debian tgt, PEERS.md) holding an incoming account bound
// to its target (tgtadm --mode account): our initiator logs in with it (tgtd's challenge, our MD5 response); the
// emulated host's boot firmware boots from the target with parameters 108/109, and with a wrong secret fails with the
// reason authentication (tgtd answers 02/01). Then our initiator against our emulated target demanding CHAP. tshark
// dissects both CHAP logins clean (packet-iscsi.c: AuthMethod, CHAP_A, CHAP_I, CHAP_C, CHAP_N, CHAP_R keys). Mutual
// CHAP: tgtd with an outgoing account (--outgoing) proves it to our initiator, which refuses a wrong one.
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IscsiInitiator, IscsiLoginError } from '../../clients/iscsi/iscsi-initiator.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { TargetFleet } from '../../emulator/fleet/target-fleet.js';
import type { IscsiBootSettings } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import { IscsiBootError, IscsiBootState, type IscsiBootReport } from '../../protocols/ipmi/oem/iscsi-boot-status.js';
import { LoginStatus } from '../../protocols/iscsi/login.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';
import { startTgtd } from '../helpers/tgtd.js';
import { runIscsiBoot } from '../helpers/boot-agent-run.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HOST = '127.147.4.1';
const PORT = 17955;
const IQN = 'iqn.2026-12.org.bmcfleet:tgtd-chap';
const INITIATOR = 'iqn.2026-12.org.bmcfleet:chap-host';
const ACCOUNT = { name: 'boot-user', secret: 'tgtd-chap-secret' };
const TARGET_ACCOUNT = { name: 'tgtd-target', secret: 'tgtd-target-secret' };
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-iscsi-chap-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
function dissect(file: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-d', `tcp.port==${port},iscsi`, '-V'], { maxBuffer: 256 << 20 },
      (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}
const chapSecret = (s: string) => ({ name: ACCOUNT.name, secret: Buffer.from(s) });

/** Boots one host from LUN 1 of the tgtd target with this CHAP account; the BMC's last report and the console. */
async function boot(chapName: string, secret: string): Promise<{ report: IscsiBootReport; text: string }> {
  const settings: IscsiBootSettings = {
    initiatorName: INITIATOR, initiator: { address: '127.147.4.2', netmask: '255.0.0.0', gateway: '127.0.0.1' },
    targetName: IQN, portal: { address: HOST, port: PORT }, lun: 1, chapName, chapSecret: secret,
  };
  return runIscsiBoot(settings, '127.147.4.9', '06:00:00:00:00:02');
}

t.test('tgtd with an incoming account: our CHAP login, the host boots with it, a wrong secret fails with authentication', {
  skip: have('tgtd') && have('tshark') ? false : 'tgtd or tshark not installed',
}, async (t) => {
  const disk = Buffer.alloc(1 << 20);
  disk.write('tgtd chap disk\r\n', 0, 'latin1');
  disk[510] = 0x55;
  disk[511] = 0xaa;
  const image = join(dir, 'boot.img');
  writeFileSync(image, disk);
  const tgtd = await startTgtd(HOST, PORT, IQN, image, undefined, { ...ACCOUNT, mutual: TARGET_ACCOUNT });
  t.teardown(() => tgtd.stop());
  const capture = await startCapture(`tcp port ${PORT}`);
  t.teardown(() => capture.stop());

  const session = await IscsiInitiator.login({ host: HOST, port: PORT, initiatorName: INITIATOR, targetName: IQN, timeoutMs: 5000, chap: chapSecret(ACCOUNT.secret) });
  t.ok(session.authenticatedWithChap, 'tgtd chose CHAP and took our response');
  t.same(await session.readCapacity(1), { blockCount: 2048, blockSize: 512 });
  await session.logout();
  const mutual = await IscsiInitiator.login({
    host: HOST, port: PORT, initiatorName: INITIATOR, targetName: IQN, timeoutMs: 5000,
    chap: { ...chapSecret(ACCOUNT.secret), mutual: { name: TARGET_ACCOUNT.name, secret: Buffer.from(TARGET_ACCOUNT.secret) } },
  });
  t.ok(mutual.authenticatedWithChap, 'mutual CHAP: tgtd proved its outgoing account');
  await mutual.logout();
  const impostor = await IscsiInitiator.login({
    host: HOST, port: PORT, initiatorName: INITIATOR, targetName: IQN, timeoutMs: 5000,
    chap: { ...chapSecret(ACCOUNT.secret), mutual: { name: TARGET_ACCOUNT.name, secret: Buffer.from('what-we-expected') } },
  }).catch((e: Error) => e);
  t.match(impostor, { name: 'IscsiConnectionError', message: /failed mutual CHAP: the target's CHAP_R is wrong/ }, 'a target proving another secret is refused');
  const none = await IscsiInitiator.login({ host: HOST, port: PORT, initiatorName: INITIATOR, targetName: IQN, timeoutMs: 5000 }).catch((e: Error) => e);
  t.match(none, { name: 'IscsiLoginError', status: LoginStatus.authenticationFailure }, `no CHAP: ${String(none)}`);

  const good = await boot(ACCOUNT.name, ACCOUNT.secret);
  t.match(good.report, { state: IscsiBootState.BOOTED, error: IscsiBootError.NONE, lun: 1, targetName: IQN });
  t.match(good.text, `login with CHAP as ${ACCOUNT.name}\r\nRegistered SAN device 0x80: ${IQN} LUN 1, 1 MB\r\nBooting from SAN device 0x80\r\ntgtd chap disk\r\n`);
  const wrong = await boot(ACCOUNT.name, 'not-the-tgtd-secret');
  t.match(wrong.report, { state: IscsiBootState.FAILED, error: IscsiBootError.AUTHENTICATION, message: /authentication failure \(02\/01\)/ });
  t.match(wrong.text, /Could not boot from SAN device 0x80: .*\(authentication\)\r\nNo more network devices\r\n/);

  await capture.stop();
  const text = await dissect(capture.file, PORT);
  t.same(malformedLines(text), [], 'no malformed packet or expert error');
  t.match(text, /AuthMethod=CHAP,None/);
  t.match(text, /CHAP_A=5/);
  t.match(text, /CHAP_I=\d+/, 'tgtd\'s identifier');
  t.match(text, /CHAP_C=0x[0-9a-f]+/, 'tgtd\'s challenge');
  t.match(text, /CHAP_N=boot-user/);
  t.match(text, /CHAP_N=tgtd-target/, 'tgtd\'s answer to our challenge (mutual CHAP)');
  t.match(text, /CHAP_R=0x[0-9a-f]{32}/);
  t.match(text, /Status: Authentication failed \(0x0201\)/, 'tshark reads the refusals as 02/01');
});

t.test('our initiator against our emulated target demanding CHAP: tshark decodes it clean', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const ISNS = { host: '127.147.5.1', port: 17956 };
  const TARGET = { ip: '127.147.5.2', port: 17957 };
  const TARGET_IQN = 'iqn.2026-11.org.bmcfleet:tshark-chap';
  const fleet = await TargetFleet.start({ ...ISNS, defaultDiscoveryDomain: true },
    [{ iqn: TARGET_IQN, alias: 'tshark-chap', ip: TARGET.ip, port: TARGET.port, luns: [{ lun: 0, sizeGB: 1, state: 'online' }], chap: { ...ACCOUNT, mutual: TARGET_ACCOUNT } }], null);
  const isns = await IsnsClient.connect({ ...ISNS, source: INITIATOR });
  t.teardown(async () => {
    await isns.close();
    await fleet.stop();
  });
  await isns.register({ nodes: [{ name: INITIATOR, type: NodeType.INITIATOR }], portals: [{ ip: '127.147.5.3', port: 860 }] });
  for (let i = 0; i < 100 && !fleet.list()[0].initiators.includes(INITIATOR); i++) await new Promise((r) => setTimeout(r, 20));
  const capture = await startCapture(`tcp port ${TARGET.port}`);
  t.teardown(() => capture.stop());
  const session = await IscsiInitiator.login({
    host: TARGET.ip, port: TARGET.port, initiatorName: INITIATOR, targetName: TARGET_IQN, timeoutMs: 5000,
    chap: { ...chapSecret(ACCOUNT.secret), mutual: { name: TARGET_ACCOUNT.name, secret: Buffer.from(TARGET_ACCOUNT.secret) } },
  });
  t.ok(session.authenticatedWithChap, 'CHAP both ways');
  await session.readCapacity(0);
  await session.logout();
  const wrong = await IscsiInitiator.login({ host: TARGET.ip, port: TARGET.port, initiatorName: INITIATOR, targetName: TARGET_IQN, timeoutMs: 5000, chap: chapSecret('wrong-secret-1') }).catch((e: Error) => e);
  t.ok(wrong instanceof IscsiLoginError && wrong.status === LoginStatus.authenticationFailure, String(wrong));
  await capture.stop();
  const text = await dissect(capture.file, TARGET.port);
  t.same(malformedLines(text), [], 'no malformed packet or expert error');
  t.match(text, /AuthMethod=CHAP(?!,)/, 'our target chose CHAP');
  t.match(text, /CHAP_C=0x[0-9a-f]{32}/, 'a 16-byte challenge');
  t.match(text, /CHAP_R=0x[0-9a-f]{32}/);
  t.match(text, /CHAP_N=tgtd-target/, 'our target\'s answer to the initiator\'s challenge (mutual CHAP)');
  t.match(text, /Status: Authentication failed \(0x0201\)/, 'the refusal is 02/01');
});
