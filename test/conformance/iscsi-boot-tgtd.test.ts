// Conformance: the emulated host's iSCSI boot firmware (emulator/host/iscsi-boot-agent.ts) boots from a LUN of the
// real tgtd (Debian tgt, PEERS.md), logging in to its portal directly (no iSNS server named): READ CAPACITY and
// READ(10) of the first blocks as tgtd answers them, the boot sector's signature checked, the console naming the
// target and LUN. A LUN file without the signature fails with not-bootable; tgtd's LUN 0 (its controller, no
// block device: READ CAPACITY is an invalid opcode there) fails with read-error.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IscsiBootSettings } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import { IscsiBootState, type IscsiBootReport } from '../../protocols/ipmi/oem/iscsi-boot-status.js';
import { startTgtd } from '../helpers/tgtd.js';
import { runIscsiBoot } from '../helpers/boot-agent-run.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HOST = '127.147.3.1';
const PORT = 17954;
const IQN = 'iqn.2026-12.org.bmcfleet:tgtd-boot';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-iscsi-boot-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Boots one host from `lun` of the tgtd target and resolves with the BMC's last report and the console. */
async function boot(lun: number): Promise<{ report: IscsiBootReport; text: string }> {
  const settings: IscsiBootSettings = {
    initiatorName: 'iqn.2026-12.org.bmcfleet:tgtd-host', initiator: { address: '127.147.3.2', netmask: '255.0.0.0', gateway: '127.0.0.1' },
    targetName: IQN, portal: { address: HOST, port: PORT }, lun, chapName: '', chapSecret: '',
  };
  return runIscsiBoot(settings, '127.147.3.9', '06:00:00:00:00:01');
}

t.test('the host boots from a tgtd LUN', { skip: have('tgtd') ? false : 'tgtd not installed' }, async (t) => {
  const disk = Buffer.alloc(1 << 20);
  disk.write('tgtd boot disk\r\n', 0, 'latin1');
  disk[510] = 0x55;
  disk[511] = 0xaa;
  const image = join(dir, 'boot.img');
  writeFileSync(image, disk);
  const tgtd = await startTgtd(HOST, PORT, IQN, image);
  t.teardown(() => tgtd.stop());

  const good = await boot(1);
  t.match(good.report, { state: IscsiBootState.BOOTED, error: 0, lun: 1, targetName: IQN });
  t.match(good.text, `sanboot iscsi:${HOST}::${PORT}:1:${IQN}\r\n`);
  t.match(good.text, `Registered SAN device 0x80: ${IQN} LUN 1, 1 MB\r\nBooting from SAN device 0x80\r\ntgtd boot disk\r\n`, 'tgtd\'s capacity; the boot sector\'s message');

  const controller = await boot(0);
  t.match(controller.report, { state: IscsiBootState.FAILED, error: 7, lun: 0 }, `LUN 0, tgtd's controller: ${controller.report.message}`);
  t.match(controller.text, /Could not boot from SAN device 0x80: .*\r\nNo more network devices\r\nBooting from Bay 0: disk\r\n/);
});

t.test('a tgtd LUN without a boot signature: not-bootable', { skip: have('tgtd') ? false : 'tgtd not installed' }, async (t) => {
  const image = join(dir, 'blank.img');
  writeFileSync(image, Buffer.alloc(1 << 20));
  const tgtd = await startTgtd(HOST, PORT, IQN, image);
  t.teardown(() => tgtd.stop());
  const blank = await boot(1);
  t.match(blank.report, { state: IscsiBootState.FAILED, error: 8, message: /no boot signature/ });
});
