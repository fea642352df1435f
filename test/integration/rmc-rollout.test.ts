// The exchange after the prepare round through a real Fleet over UDP loopback (README "The exchange after the prepare
// round"): this test is the manager, with the codecs directly. Two racks with an RMC each, state in a temp stateDir,
// the RMCs' BMC flasher the SCRIPTED FAKE one of test/helpers/rmc-test-kinds.ts (not the real HPM.1 flasher).
// RMC 1 loses 5% of datagrams each way and crashes mid-transfer: it comes back from its files and the transfer resumes
// at the bytes it held. RMC 2 corrupts every stored chunk: its first attempt fails verification, the second (fault
// cleared) passes. Then Flash, Progress, the Rack Report unsolicited, GET /rmcs/IP, and a key trusted at run time.
import t from 'tap';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { Fleet } from '../../emulator/fleet/fleet.js';
import { systemClock } from '../../runtime/clock.js';
import { signMessage } from '../../protocols/rollout/auth.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, type SigningKey } from '../../protocols/rollout/keys.js';
import { decodeMessage, encodeMessage, type DecodedMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { BmcOutcome, FailureReason, RackPhase, type RackStatus } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome, type VerifyResult } from '../../protocols/rollout/verify-result.js';
import type { TransferAck } from '../../protocols/rollout/transfer.js';
import { hpmImage, manifestFor } from '../helpers/rollout-rmc.js';
import { RMC_TEST_KINDS } from '../helpers/rmc-test-kinds.js';
import { freeUdpPort } from '../helpers/free-port.js';

const SHARD_MAIN = fileURLToPath(new URL('../helpers/rmc-shard-main.js', import.meta.url));
const RMC_IPS = ['127.64.9.1', '127.64.9.2'];
const CHUNK = 1024;
const WINDOW = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Rounds of 100 ms with no ack progress before the stand-in manager offers the image again. */
const STALLED_ROUNDS_BEFORE_REOFFER = 10;

/** The manager's side: one socket, every answer queued by the RMC it came from. */
class Manager {
  readonly socket: Socket = createSocket('udp4');
  readonly inbox = new Map<string, DecodedMessage[]>();
  key: SigningKey;
  private sequence = 0;
  private readonly port: number;
  constructor(port: number, key: SigningKey) {
    this.port = port;
    this.key = key;
    this.socket.on('message', (msg, rinfo) => {
      const list = this.inbox.get(rinfo.address) ?? [];
      list.push(decodeMessage(msg));
      this.inbox.set(rinfo.address, list);
    });
  }

  bind(): Promise<void> {
    return new Promise((r) => this.socket.bind(0, '127.0.0.1', () => r()));
  }

  command(ip: string, rmcId: number, type: RolloutMessage['type'], body: RolloutMessage['body']): void {
    const m = { type, rolloutId: 3, rmcId, sequence: ++this.sequence, body } as RolloutMessage;
    this.socket.send(signMessage(m, this.key, Date.now()), this.port, ip);
  }

  chunk(ip: string, rmcId: number, image: Buffer, offset: number): void {
    const data = image.subarray(offset, Math.min(image.length, offset + CHUNK));
    this.socket.send(encodeMessage({ type: MessageType.IMAGE_CHUNK, rolloutId: 3, rmcId, sequence: 0, body: { offset, data } }), this.port, ip);
  }

  /** Takes the answers from `ip` so far. */
  take(ip: string): DecodedMessage[] {
    const list = this.inbox.get(ip) ?? [];
    this.inbox.set(ip, []);
    return list;
  }

  /** Waits up to `ms` for an answer from `ip` that `want` accepts; drops the others. */
  async wait(ip: string, want: (m: DecodedMessage) => boolean, ms: number): Promise<DecodedMessage | null> {
    for (let waited = 0; waited <= ms; waited += 10) {
      const found = this.take(ip).find(want);
      if (found) return found;
      await sleep(10);
    }
    return null;
  }

  /**
   * One attempt, go-back-N: Offer (repeated until answered), then chunks within the window from the last
   * acknowledged offset, resent from there after 100 ms without progress. `onProgress` sees each new ack.
   */
  async transfer(ip: string, rmcId: number, manifest: Buffer, image: Buffer, attempt: number, onProgress: (next: number) => Promise<void> | void = () => {}):
    Promise<{ verify: VerifyResult; firstAck: number | null }> {
    let firstAck: number | null = null;
    let acked = -1;
    let stalled = 0;
    for (let round = 0; round < 2000; round++) {
      // README "The exchange after the prepare round", step 2: after timeouts in a row the attempt has broken, and a new
      // Offer resumes at the RMC's nextOffset (a restarted RMC may hold fewer bytes than it had acknowledged).
      if (stalled >= STALLED_ROUNDS_BEFORE_REOFFER) [acked, stalled] = [-1, 0];
      if (acked < 0) this.command(ip, rmcId, MessageType.IMAGE_OFFER, { attempt, chunkSize: CHUNK, manifest });
      else for (let o = acked, n = 0; o < image.length && n < WINDOW; o += CHUNK, n++) this.chunk(ip, rmcId, image, o);
      await sleep(100);
      stalled++;
      for (const m of this.take(ip)) {
        if (m.type === MessageType.VERIFY_RESULT) return { verify: m.body, firstAck };
        if (m.type !== MessageType.TRANSFER_ACK) continue;
        const next = (m.body as TransferAck).nextOffset;
        if (firstAck === null) firstAck = next;
        if (next > acked) {
          acked = next;
          stalled = 0;
          await onProgress(next);
        }
      }
    }
    throw new Error(`no Verify Result from ${ip}`);
  }
}

t.test('through a real fleet: transfer with loss, a crash and a corrupted attempt, then the flash and its report', async (t) => {
  const key = generateManagerKey();
  const stateDir = mkdtempSync(join(tmpdir(), 'rmc-rollout-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const [port, ipmiPort] = [await freeUdpPort(), await freeUdpPort()];
  const config = fleetConfig({
    ipmiPort, shards: 1, control: '127.0.0.1:0', stateDir,
    rollout: { port, managerKey: key.rawPublicKey.toString('base64') },
    racks: RMC_IPS.map((ip, i) => ({ name: `rack-${i + 1}`, bmcs: 3, firstIp: `127.64.${i + 1}.1`, rmc: { ip, id: i + 1 } })),
  });
  const fleet = await Fleet.start(config, systemClock, { kinds: RMC_TEST_KINDS, shardMain: SHARD_MAIN });
  t.teardown(() => fleet.stop());
  const manager = new Manager(port, key.signing);
  await manager.bind();
  t.teardown(() => manager.socket.close());
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fleet.control!.url}${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() as any };
  };

  const image = hpmImage(40_000);
  const manifest = manifestFor(image, key.signing);
  t.equal((await api('PUT', `/rmcs/${RMC_IPS[0]}/faults`, { lossPercent: 5 })).status, 200);
  t.equal((await api('PUT', `/rmcs/${RMC_IPS[1]}/faults`, { corruptChunkPercent: 100 })).status, 200);
  t.equal((await api('PUT', '/rmcs/faults', { lossPercent: 'lots' })).status, 400, 'a fault that is no percentage: 400');

  let crashedAt = -1;
  const [one, two] = await Promise.all([
    manager.transfer(RMC_IPS[0], 1, manifest, image, 1, async (next) => {
      if (crashedAt < 0 && next >= image.length / 2) {
        crashedAt = next;
        t.equal((await api('POST', `/rmcs/${RMC_IPS[0]}/crash`, { offMs: 300 })).status, 200);
      }
    }),
    manager.transfer(RMC_IPS[1], 2, manifest, image, 1),
  ]);
  t.equal(one.verify.result, VerifyOutcome.OK, 'RMC 1 verified the image despite loss and a crash');
  t.ok(crashedAt > 0, 'it crashed halfway');
  t.equal(two.verify.result, VerifyOutcome.MANIFEST_SHA256, 'RMC 2 stored corrupted chunks: verification failed');

  const detail1 = (await api('GET', `/rmcs/${RMC_IPS[0]}`)).json;
  t.match(detail1, { faultCounters: { crashes: 1 }, image: { held: image.length, size: image.length, verified: true }, rollout: { id: 3, phase: 'verified' } });
  t.ok(detail1.faultCounters.lostIn + detail1.faultCounters.lostOut + detail1.faultCounters.droppedWhileDown > 0, 'datagrams were lost');
  // the resume after the crash: a fresh Offer of the same image acked at the bytes it held, not at 0; RMC 1 still
  // loses 5% each way, so the Offer goes again until answered, as the manager's does (README step 2)
  let again: DecodedMessage | null = null;
  for (let tries = 0; tries < 20 && !again; tries++) {
    manager.command(RMC_IPS[0], 1, MessageType.IMAGE_OFFER, { attempt: 1, chunkSize: CHUNK, manifest });
    again = await manager.wait(RMC_IPS[0], (m) => m.type === MessageType.VERIFY_RESULT, 200);
  }
  t.match(again, { body: { result: VerifyOutcome.OK } }, 'the image it holds (from its files) is still verified');

  await api('PUT', `/rmcs/${RMC_IPS[1]}/faults`, { corruptChunkPercent: 0 });
  const retry = await manager.transfer(RMC_IPS[1], 2, manifest, image, 2);
  t.equal(retry.firstAck, 0, 'the attempt after a failed verification starts at byte 0');
  t.equal(retry.verify.result, VerifyOutcome.OK);
  t.equal((await api('GET', `/rmcs/${RMC_IPS[1]}`)).json.counters.verifyFailed, 1);

  await api('PUT', '/rmcs/faults', { lossPercent: 0 });
  const flashTimeMs = Date.now() + 500;
  RMC_IPS.forEach((ip, i) => manager.command(ip, i + 1, MessageType.FLASH, { flashTimeMs, concurrency: 2, bmcTimeoutMs: 10_000 }));
  for (const ip of RMC_IPS) {
    t.match(await manager.wait(ip, (m) => m.type === MessageType.PROGRESS, 2000), { body: { phase: RackPhase.VERIFIED, bmcCount: 3 } }, `${ip}: Progress`);
  }
  for (const ip of RMC_IPS) {
    const report = await manager.wait(ip, (m) => m.type === MessageType.RACK_REPORT, 5000);
    const rack = RMC_IPS.indexOf(ip) + 1;
    t.match(report?.body as RackStatus, {
      phase: RackPhase.DONE, bmcCount: 3, flashed: 2, skipped: 1, failed: 0,
      entries: [
        { address: `127.64.${rack}.1`, outcome: BmcOutcome.FLASHED, firmware: { major: 2, minor: 7 } },
        { address: `127.64.${rack}.2`, outcome: BmcOutcome.SKIPPED, firmware: { major: 2, minor: 7 } },
        { address: `127.64.${rack}.3`, outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE },
      ],
    }, `${ip}: the Rack Report, unsolicited`);
  }
  t.match((await api('GET', `/rmcs/${RMC_IPS[0]}`)).json, {
    rollout: { phase: 'done' },
    bmcProgress: [{ ip: '127.64.1.1', outcome: 'flashed', firmware: '2.07' }, { outcome: 'skipped' }, { outcome: 'flashed', reason: null }],
  });

  const rotated = generateManagerKey();
  manager.key = rotated.signing;
  manager.command(RMC_IPS[0], 1, MessageType.FLASH, { flashTimeMs, concurrency: 2, bmcTimeoutMs: 10_000 });
  t.equal(await manager.wait(RMC_IPS[0], () => true, 300), null, 'a key not trusted yet: ignored');
  t.equal((await api('POST', '/rmcs/trust', { key: 'not base64!' })).status, 400);
  t.match((await api('POST', '/rmcs/trust', { key: rotated.rawPublicKey.toString('base64') })).json, { rmcs: 2 });
  manager.command(RMC_IPS[0], 1, MessageType.FLASH, { flashTimeMs, concurrency: 2, bmcTimeoutMs: 10_000 });
  t.match(await manager.wait(RMC_IPS[0], (m) => m.type === MessageType.RACK_REPORT, 2000), { body: { phase: RackPhase.DONE } }, 'trusted now: the report again');
  const detail = (await api('GET', `/rmcs/${RMC_IPS[0]}`)).json;
  t.equal(detail.trustedKeyIds.length, 2);
  t.ok(detail.rejectedBy['unknown-key'] >= 1);
});
