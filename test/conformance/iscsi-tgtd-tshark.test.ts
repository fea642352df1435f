// Our iSCSI initiator against the real tgtd (Debian tgt): discovery and SendTargets, a normal session, REPORT
// LUNS, INQUIRY, READ CAPACITY and reads compared with the LUN file; then our initiator against our emulated
// target. Both conversations are captured and dissected by the real tshark (packet-iscsi.c, packet-scsi*.c):
// no malformed packet, no expert error, and the decoded values must be what was sent.
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IscsiInitiator } from '../../clients/iscsi/iscsi-initiator.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { TargetFleet } from '../../emulator/fleet/target-fleet.js';
import { PatternLun } from '../../emulator/iscsi/pattern-lun.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';
import { startTgtd } from '../helpers/tgtd.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const INITIATOR = 'iqn.2026-12.org.bmcfleet:conformance';

function dissect(file: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-d', `tcp.port==${port},iscsi`, '-V'], { maxBuffer: 256 << 20 },
      (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-iscsi-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

t.test('our initiator logs in to tgtd, discovers, sizes and reads its LUN; tshark decodes it clean', {
  skip: have('tgtd') && have('tshark') ? false : 'tgtd or tshark not installed',
}, async (t) => {
  const HOST = '127.147.0.1';
  const PORT = 17950;
  const IQN = 'iqn.2026-12.org.bmcfleet:tgtd-lun';
  const image = join(dir, 'lun.img');
  const bytes = Buffer.alloc(4 << 20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 9)) & 0xff;
  writeFileSync(image, bytes);
  const tgtd = await startTgtd(HOST, PORT, IQN, image);
  t.teardown(() => tgtd.stop());
  const capture = await startCapture(`tcp port ${PORT}`);
  t.teardown(() => capture.stop());

  const discovery = await IscsiInitiator.login({ host: HOST, port: PORT, initiatorName: INITIATOR, timeoutMs: 5000 });
  t.same(await discovery.sendTargets(), [{ name: IQN, addresses: [`${HOST}:${PORT},1`] }], 'SendTargets=All lists the target');
  await discovery.logout();

  const session = await IscsiInitiator.login({ host: HOST, port: PORT, initiatorName: INITIATOR, targetName: IQN, timeoutMs: 5000 });
  t.equal(session.targetInfo.portalGroupTag, 1, 'tgtd says its TargetPortalGroupTag');
  t.equal(session.params.targetMaxRecvDataSegmentLength, 8192, 'tgtd declares no MaxRecvDataSegmentLength: the 8 KiB default holds');
  t.same(await session.reportLuns(), [0, 1], 'LUN 0 is tgtd\'s controller, LUN 1 the disk');
  t.match(await session.inquiry(1), { vendor: 'IET', product: 'VIRTUAL-DISK', peripheralDeviceType: 0 });
  t.same(await session.readCapacity(1), { blockCount: 8192, blockSize: 512 });
  t.ok((await session.read(1, 0, 8, 512)).equals(bytes.subarray(0, 4096)), 'the first blocks are the file\'s');
  t.ok((await session.read(1, 100, 1024, 512)).equals(bytes.subarray(100 * 512, 1124 * 512)), '512 KiB across bursts');
  t.ok((await session.read(1, 8191, 1, 512)).equals(bytes.subarray(8191 * 512)), 'the last block');
  await session.logout();

  await capture.stop();
  const text = await dissect(capture.file, PORT);
  t.same(malformedLines(text), [], 'no malformed packet or expert error');
  t.ok(count(text, /Opcode: Login Command \(0x03\)/) >= 2, 'the logins decode');
  t.match(text, /TargetName=iqn\.2026-12\.org\.bmcfleet:tgtd-lun/);
  t.match(text, /SendTargets=All/);
  t.ok(count(text, /Opcode: SCSI Data In \(0x25\)/) >= 3, 'the Data-In PDUs decode');
});

t.test('our initiator against our emulated target decodes clean in tshark', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const ISNS = { host: '127.147.1.1', port: 17951 };
  const TARGET = { ip: '127.147.1.2', port: 17952 };
  const IQN = 'iqn.2026-11.org.bmcfleet:tshark';
  const fleet = await TargetFleet.start({ ...ISNS, defaultDiscoveryDomain: true },
    [{ iqn: IQN, alias: 'tshark', ip: TARGET.ip, port: TARGET.port, luns: [{ lun: 0, sizeGB: 1, state: 'online' }] }], null);
  const isns = await IsnsClient.connect({ ...ISNS, source: INITIATOR });
  t.teardown(async () => {
    await isns.close();
    await fleet.stop();
  });
  await isns.register({ nodes: [{ name: INITIATOR, type: NodeType.INITIATOR }], portals: [{ ip: '127.147.1.3', port: 860 }] });
  for (let i = 0; i < 100 && !fleet.list()[0].initiators.includes(INITIATOR); i++) await new Promise((r) => setTimeout(r, 20));
  const capture = await startCapture(`tcp port ${TARGET.port}`);
  t.teardown(() => capture.stop());

  const discovery = await IscsiInitiator.login({ host: TARGET.ip, port: TARGET.port, initiatorName: INITIATOR, timeoutMs: 5000 });
  t.same((await discovery.sendTargets()).map((x) => x.name), [IQN]);
  await discovery.logout();
  const session = await IscsiInitiator.login({ host: TARGET.ip, port: TARGET.port, initiatorName: INITIATOR, targetName: IQN, timeoutMs: 5000 });
  await session.reportLuns();
  await session.inquiry(0);
  const capacity = await session.readCapacity(0);
  const pattern = new PatternLun({ seed: IQN, lun: 0, sizeBytes: 1e9, boot: true });
  t.ok((await session.read(0, 0, 600, 512)).equals(pattern.readSync(0, 600)), 'blocks match across bursts');
  await session.read(0, capacity.blockCount, 1, 512).catch(() => {}); // a CHECK CONDITION with sense, decoded too
  await session.logout();
  const refused = await IscsiInitiator.login({ host: TARGET.ip, port: TARGET.port, initiatorName: 'iqn.2026-12.org.example:stranger', targetName: IQN, timeoutMs: 5000 }).catch((e: Error) => e);
  t.match(String(refused), /02\/02/);

  await capture.stop();
  const text = await dissect(capture.file, TARGET.port);
  t.same(malformedLines(text), [], 'no malformed packet or expert error');
  t.match(text, /Status: Authorisation failure \(0x0202\)/, 'tshark reads the refusal as 02/02');
  t.match(text, /TargetAddress=127\.147\.1\.2:17952,1/);
  t.ok(count(text, /Opcode: SCSI Data In \(0x25\)/) >= 3);
  t.match(text, /Opcode: SCSI Response \(0x21\)/);
  t.match(text, /Opcode: Logout Response \(0x26\)/);
});
