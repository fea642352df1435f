// Our iSCSI initiator against an emulated target over real TCP on 127.146.x.x, with the target's access taken
// from iSNS discovery domains: an initiator in the target's DD discovers it (SendTargets), logs in, reads its
// capacity, REPORT LUNS, INQUIRY and blocks (the boot LUN's MBR, then pattern blocks compared with the
// pattern); one in no shared DD sees nothing and gets Login status 02/02; once it is added to the DD, the
// target's SCN-driven refresh lets it in; removed again, it is refused again.
import t from 'tap';
import { TargetFleet } from '../../emulator/fleet/target-fleet.js';
import { PatternLun, MBR_SIGNATURE } from '../../emulator/iscsi/pattern-lun.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { IscsiInitiator, IscsiLoginError, IscsiCommandError } from '../../clients/iscsi/iscsi-initiator.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { LoginStatus } from '../../protocols/iscsi/login.js';
import { Sense } from '../../protocols/scsi/sense.js';

const ISNS = { host: '127.146.0.1', port: 17940 };
const TARGET_IP = '127.146.1.1';
const TARGET_PORT = 17941;
const IQN = 'iqn.2026-11.org.bmcfleet:boot-1';
const A = 'iqn.2026-12.org.example:host-a';
const B = 'iqn.2026-12.org.example:host-b';
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** The error `p` rejects with (the test fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return new Error('resolved, expected a rejection');
}

async function until(pred: () => boolean, ms = 5000): Promise<boolean> {
  for (let waited = 0; waited < ms && !pred(); waited += 20) await tick();
  return pred();
}

t.test('DD scoping decides who logs in; an authorized initiator reads the LUNs', async (t) => {
  const fleet = await TargetFleet.start({ ...ISNS, defaultDiscoveryDomain: false },
    [{ iqn: IQN, alias: 'boot-1', ip: TARGET_IP, port: TARGET_PORT, luns: [{ lun: 0, sizeGB: 1, state: 'online' }, { lun: 3, sizeGB: 2, state: 'online' }] }], null);
  const clients: IsnsClient[] = [];
  t.teardown(async () => {
    for (const c of clients) await c.close();
    await fleet.stop();
  });
  const register = async (name: string, ip: string) => {
    const c = await IsnsClient.connect({ ...ISNS, source: name });
    clients.push(c);
    await c.register({ nodes: [{ name, type: NodeType.INITIATOR }], portals: [{ ip, port: 860 }] });
    return c;
  };
  const a = await register(A, '127.146.2.1');
  await register(B, '127.146.2.2');
  const dd = await a.ddRegister({ name: 'boot-a', members: [A, IQN] });
  const summary = () => fleet.list()[0];
  t.ok(await until(() => summary().initiators.includes(A)), 'the target learns A from its DD (SCN, then a query)');
  t.notOk(summary().initiators.includes(B));

  const login = (initiatorName: string, targetName?: string) => IscsiInitiator.login({ host: TARGET_IP, port: TARGET_PORT, initiatorName, targetName, timeoutMs: 3000 });

  const discovery = await login(A);
  t.same(await discovery.sendTargets(), [{ name: IQN, addresses: [`${TARGET_IP}:${TARGET_PORT},1`] }], 'SendTargets names the target to A');
  await discovery.logout();

  const session = await login(A, IQN);
  t.equal(session.targetInfo.portalGroupTag, 1);
  t.equal(session.targetInfo.alias, 'boot-1');
  t.equal(session.params.initiatorMaxRecvDataSegmentLength, 262144);
  t.same(await session.reportLuns(), [0, 3]);
  const inquiry = await session.inquiry(0);
  t.equal(inquiry.vendor, 'BMCFLEET');
  t.equal(inquiry.peripheralDeviceType, 0);
  const capacity = await session.readCapacity(0);
  t.same(capacity, { blockCount: Math.floor(1e9 / 512), blockSize: 512 });
  t.same(await session.readCapacity(3), { blockCount: Math.floor(2e9 / 512), blockSize: 512 });
  const mbr = await session.read(0, 0, 1, 512);
  t.equal(mbr.readUInt16LE(510), MBR_SIGNATURE, 'the boot LUN opens with a bootable MBR');
  t.match(mbr.toString('latin1', 0, 80), /bmcfleet iqn\.2026-11\.org\.bmcfleet:boot-1 LUN 0: booted from iSCSI/);
  const pattern = new PatternLun({ seed: IQN, lun: 3, sizeBytes: 2e9, boot: false });
  // 2,000 blocks: several 256 KiB bursts, each cut into Data-In PDUs of the negotiated segment length
  t.ok((await session.read(3, 1000, 2000, 512)).equals(pattern.readSync(1000, 2000)), 'blocks match the pattern');
  const last = capacity.blockCount - 1;
  t.ok((await session.read(0, last, 1, 512)).equals(new PatternLun({ seed: IQN, lun: 0, sizeBytes: 1e9, boot: true }).readSync(last, 1)));
  const pastEnd = await rejection(session.read(0, last, 2, 512));
  t.ok(pastEnd instanceof IscsiCommandError, 'a read past the end: CHECK CONDITION');
  t.same((pastEnd as IscsiCommandError).sense, Sense.lbaOutOfRange, '... LOGICAL BLOCK ADDRESS OUT OF RANGE');
  const noLun = await rejection(session.read(7, 0, 1, 512));
  t.same((noLun as IscsiCommandError).sense, Sense.lunNotSupported, 'an unknown LUN: LOGICAL UNIT NOT SUPPORTED');
  await fleet.setLunState(IQN, 3, 'offline');
  t.same(((await rejection(session.read(3, 0, 1, 512))) as IscsiCommandError).sense, Sense.lunOffline, 'a LUN set offline: NOT READY, OFFLINE');
  t.equal((await session.inquiry(3)).vendor, 'BMCFLEET', 'INQUIRY still answers');
  await fleet.setLunState(IQN, 3, 'online');
  t.equal((await session.read(3, 0, 1, 512)).length, 512, 'online again');
  await session.logout();

  t.equal(((await rejection(login(B, IQN))) as IscsiLoginError).status, LoginStatus.authorizationFailure,
    'B shares no DD with the target: 02/02');
  const bDiscovery = await login(B);
  t.same(await bDiscovery.sendTargets(), [], 'SendTargets shows B nothing');
  await bDiscovery.logout();
  t.equal(((await rejection(login(A, 'iqn.2026-11.org.bmcfleet:nope'))) as IscsiLoginError).status, LoginStatus.notFound);

  await a.ddRegister({ id: dd.id, members: [B] });
  t.ok(await until(() => summary().initiators.includes(B)), 'B added to the DD: the SCN refreshes the list');
  const bSession = await login(B, IQN);
  t.equal((await bSession.read(0, 0, 1, 512)).readUInt16LE(510), MBR_SIGNATURE);
  await bSession.logout();

  await a.ddDeregister(dd.id, [B]);
  t.ok(await until(() => !summary().initiators.includes(B)), 'B removed from the DD');
  t.equal(((await rejection(login(B, IQN))) as IscsiLoginError).status, LoginStatus.authorizationFailure);

  const counters = summary().iscsi;
  t.equal(counters.normalLogins, 2);
  t.equal(counters.discoveryLogins, 2);
  t.equal(counters.drops['login-refused-0202'], 2);
});
