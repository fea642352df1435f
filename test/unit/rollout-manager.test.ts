// RolloutManager's checks and views, on a ManualClock, with its socket bound on loopback and no RMC listening (the
// whole exchange over UDP is test/integration/rollout-manager-udp.test.ts): each bad input refused with a typed
// error and the store unchanged; status, list and report of a rollout; pause, resume, abort through the manager;
// a manager reopened on the same database resumes what was live.
import t from 'tap';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeManifest, verifyManifest } from '../../protocols/rollout/manifest.js';
import { decodeMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { RolloutManager } from '../../orchestrator/rollout/rollout-manager.js';
import type { StartRequest } from '../../orchestrator/rollout/rollout-plan.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const NOW = 1_767_225_600_000;
const { signing, rawPublicKey } = generateManagerKey();
const firmware = buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 0x0b0f }, { major: 2, minor: 5, aux: Uint8Array.of(0, 0, 0, 7) }, 4096);
const IMAGE = packFirmwareImage(firmware, 1_767_000_000);
const RMCS = [{ rmcId: 1, address: '127.50.0.1', rackName: 'rack-a' }, { rmcId: 2, address: '127.50.0.2', rackName: 'rack-b' }];

async function open(path = join(mkdtempSync(join(tmpdir(), 'bmcfleet-manager-')), 'manager.db'), clock = new ManualClock(NOW)) {
  const store = new SqliteRolloutStore(path);
  // a socket where the "RMCs" would be: it hears what the manager sends
  const heard: Buffer[] = [];
  const rmcs = createSocket('udp4');
  await new Promise<void>((resolve) => rmcs.bind(0, '127.0.0.1', resolve));
  rmcs.on('message', (d) => heard.push(d));
  const manager = await RolloutManager.open({
    store, key: signing, clock, bindAddress: '127.0.0.1', broadcastAddress: '127.0.0.1', rmcPort: rmcs.address().port,
  });
  const close = () => { manager.close(); store.close(); rmcs.close(); };
  return { store, manager, clock, heard, close, path };
}

const request = (over: Partial<StartRequest> = {}): StartRequest => ({
  image: IMAGE, flashTimeMs: NOW + 3_600_000, rmcs: RMCS, replyScheme: { scheme: ReplyScheme.IMMEDIATE }, ...over,
});

/** Waits until `done()` holds (datagrams on loopback, timers the manual clock set off), at most 5 s; the assertion after it says what failed. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; waited < 5000 && !done(); waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

t.test('each bad input is refused with a typed error, and the store is unchanged', async (t) => {
  const { manager, store, close } = await open();
  t.teardown(close);
  const corrupt = Buffer.from(IMAGE);
  corrupt[200] ^= 0xff;
  const cases: [string, Partial<StartRequest>, string, RegExp][] = [
    ['a truncated image', { image: IMAGE.subarray(0, 40) }, 'ERR_IMAGE', /not a usable HPM.1 image/],
    ['a corrupt image (MD5)', { image: corrupt }, 'ERR_IMAGE', /MD5/],
    ['not an HPM.1 file', { image: Buffer.alloc(200, 0x41) }, 'ERR_IMAGE', /not a usable HPM.1 image/],
    ['a flash time in the past', { flashTimeMs: NOW - 1 }, 'ERR_FLASH_TIME', /in the past/],
    ['no RMC', { rmcs: [] }, 'ERR_PLAN', /at least one RMC/],
    ['an RMC twice', { rmcs: [RMCS[0], RMCS[0]] }, 'ERR_PLAN', /listed twice/],
    ['a bad address', { rmcs: [{ ...RMCS[0], address: '127.50.0' }] }, 'ERR_PLAN', /not an IPv4 address/],
    ['concurrency 0', { concurrency: 0 }, 'ERR_PLAN', /concurrency/],
    ['a window of 0', { replyScheme: { scheme: ReplyScheme.WINDOW, windowUs: 0 } }, 'ERR_PLAN', /reply window/],
  ];
  for (const [what, over, code, message] of cases) {
    t.throws(() => manager.start(request(over)), { code, message }, what);
  }
  t.same(manager.list(), [], 'nothing stored');
  t.equal(store.rollout(1), null);
  t.equal(manager.counters.datagramsSent, 0, 'nothing sent');
  const first = manager.start(request({ rmcs: [RMCS[1]] }));
  t.throws(() => manager.start(request()), { code: 'ERR_RMCS_BUSY', message: /RMC 2 already in a running rollout/, name: 'RmcsBusyError' });
  t.same(manager.list().map((r) => r.rolloutId), [first], 'the refused second rollout stored nothing');
  t.throws(() => manager.status(99), { code: 'ERR_NO_ROLLOUT' });
  t.throws(() => manager.report(99), { code: 'ERR_NO_ROLLOUT' });
  t.throws(() => manager.pause(99), { code: 'ERR_NO_ROLLOUT' });
});

t.test('a header whose checksum fails, or that brings no version, is refused before anything is stored', async (t) => {
  const { manager, close } = await open();
  t.teardown(close);
  const repack = (patch: (b: Buffer) => void) => {
    // patch the header, then fix the MD5 so only the header is wrong
    const b = Buffer.from(IMAGE);
    patch(b);
    createHash('md5').update(b.subarray(0, b.length - 16)).digest().copy(b, b.length - 16);
    return b;
  };
  t.throws(() => manager.start(request({ image: repack((b) => { b[20] ^= 0x01; }) })), { code: 'ERR_IMAGE', message: /header checksum/ });
  const unsetRevision = (b: Buffer) => {
    b[26] = 0x7f; // major 7Fh and minor FFh: "no version" (protocols/ipmi/commands/hpm.ts versionAt)
    b[27] = 0xff;
    let sum = 0;
    for (let i = 0; i < 34; i++) sum = (sum + b[i]) & 0xff;
    b[34] = (0x100 - sum) & 0xff; // the header checksum made right again
  };
  t.throws(() => manager.start(request({ image: repack(unsetRevision) })), { code: 'ERR_IMAGE', message: /brings no firmware version/ });
  t.same(manager.list(), []);
});

t.test('a started rollout: signed Prepare out at once, status and report from the store, a manifest from the image', async (t) => {
  const { manager, store, heard, close, clock } = await open();
  t.teardown(close);
  const id = manager.start(request());
  await until(() => heard.length >= 1);
  t.equal(heard.length, 1);
  const prepare = decodeMessage(heard[0]);
  t.equal(prepare.type, MessageType.PREPARE);
  t.ok(prepare.auth, 'signed');
  const manifest = decodeManifest(store.run(id)!.manifest);
  t.same([manifest.manufacturerId, manifest.productId, manifest.deviceId, manifest.firmware.major, manifest.firmware.minor, manifest.firmware.aux, manifest.imageSize],
    [32473, 0x0b0f, 0x20, 2, 5, 7, IMAGE.length]);
  t.ok(verifyManifest(store.run(id)!.manifest, [trustedKeyFromRaw(rawPublicKey)]).ok, 'signed with the manager\'s key');
  t.same(manager.status(id), {
    rolloutId: id, status: 'running', phase: 'preparing', createdAtMs: NOW, flashTimeMs: NOW + 3_600_000, imageSize: IMAGE.length,
    rmcs: [
      { rmcId: 1, rackName: 'rack-a', address: '127.50.0.1', stage: 'preparing', attempt: 0, ackedOffset: 0, rackPhase: null, bmcCount: 0, flashed: 0, skipped: 0, failed: 0, failure: null },
      { rmcId: 2, rackName: 'rack-b', address: '127.50.0.2', stage: 'preparing', attempt: 0, ackedOffset: 0, rackPhase: null, bmcCount: 0, flashed: 0, skipped: 0, failed: 0, failure: null },
    ],
    bmcs: { flashed: 0, skipped: 0, failed: 0, pending: 0 }, bytesSent: 0,
  });
  t.same(manager.list(), [{ rolloutId: id, status: 'running', createdAtMs: NOW, flashTimeMs: NOW + 3_600_000, rmcCount: 2 }]);
  clock.advance(60_000);
  await until(() => manager.report(id).racks.every((r) => r.stage === 'left-out'));
  t.same(manager.report(id).racks.map((r) => [r.rmcId, r.stage, r.failure]), [
    [1, 'left-out', 'missing: no answer to the Prepare or its Polls'], [2, 'left-out', 'missing: no answer to the Prepare or its Polls'],
  ], 'nobody answered: both racks left out, with why');
  t.equal(manager.status(id).status, 'done');
  t.equal(manager.counters.datagramsSent, 1 + 3 * 2, 'the Prepare and three Polls to each');
  t.equal(manager.counters.bytesSent, heard[0].length * 7 + 6, 'a Poll is the Prepare and its attempt byte');
  t.throws(() => manager.pause(id), { code: 'ERR_STATE', message: /is done: it cannot pause/ });
});

t.test('a reply scheme given alone gets its parameter from the RMC count and the measured reply rate', async (t) => {
  const { manager, store, close } = await open();
  t.teardown(close);
  store.setSetting('replyRatePerSecond', 20_000);
  const window = manager.start(request({ rmcs: [RMCS[0]], replyScheme: ReplyScheme.WINDOW }));
  const slots = manager.start(request({ rmcs: [RMCS[1]], replyScheme: ReplyScheme.RANK_SLOTS }));
  t.equal(store.rollout(window)?.reply.scheme, ReplyScheme.WINDOW);
  t.same(store.rollout(slots)?.reply, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 63 }, 'one reply per slot at 0.8 x 20,000 replies/s');
  const byDefault = manager.start(request({ rmcs: [{ rmcId: 3, address: '127.50.0.3', rackName: 'rack-c' }], replyScheme: undefined }));
  t.same(store.rollout(byDefault)?.reply, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 63 }, 'rank slots unless asked otherwise');
  t.throws(() => manager.start(request({ rmcs: [{ ...RMCS[0], rmcId: 9 }], replyScheme: 7 as ReplyScheme })), { code: 'ERR_PLAN' });
});

t.test('pause, resume and abort through the manager; a reopened manager resumes what was live', async (t) => {
  const { manager, close, path, clock } = await open();
  const id = manager.start(request());
  manager.pause(id);
  t.equal(manager.status(id).status, 'paused');
  t.throws(() => manager.pause(id), { code: 'ERR_STATE' });
  manager.resume(id);
  t.equal(manager.status(id).status, 'running');
  close();
  const again = await open(path, clock);
  t.teardown(again.close);
  t.same(again.manager.resumeAll(), [id]);
  t.same(again.manager.resumeAll(), [], 'only once');
  again.manager.abort(id);
  t.equal(again.manager.status(id).status, 'aborting');
  clock.advance(60_000);
  await until(() => again.manager.status(id).status === 'aborted');
  t.equal(again.manager.status(id).status, 'aborted', 'no RMC answered the round: none to abort');
});
