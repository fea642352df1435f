// The prepare round over real UDP on loopback: the manager's glue broadcasts to 127.255.255.255 and polls by
// unicast. The RMCs here are stand-ins written for this test from the protocol's codecs (the real RMC emulator is
// being built in emulator/rack/): one 0.0.0.0 listener takes the broadcast and fans it out in user space, as a
// shard will (../shared/DESIGN.md), and each RMC answers from its own socket on its own 127.x.y.z address.
import t from 'tap';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandVerifier } from '../../protocols/rollout/command-verifier.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeMessage, encodeMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { replyDelayUs } from '../../protocols/rollout/reply-delay.js';
import { PrepareRound } from '../../orchestrator/rollout/prepare-round.js';
import { PrepareRoundUdp } from '../../orchestrator/rollout/prepare-round-udp.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { systemClock } from '../../runtime/clock.js';

const { signing, rawPublicKey } = generateManagerKey();
const trustedKeys = [trustedKeyFromRaw(rawPublicKey)];
/** Whom the image is for: a round alone (no signed manifest) is told. */
const PRODUCT = { manufacturerId: 32473, productId: 1 };

interface FakeRmc { rmcId: number; address: string; missesBroadcast?: boolean; silent?: boolean; answersTwice?: boolean; heard: number[] }

function bind(socket: Socket, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => { socket.off('error', reject); resolve(socket.address().port); });
  });
}

/** The stand-in RMCs: returns their port and a function closing their sockets. */
async function fakeRmcs(rmcs: FakeRmc[]): Promise<{ port: number; close(): void }> {
  const listener = createSocket({ type: 'udp4', reuseAddr: true });
  const port = await bind(listener, 0, '0.0.0.0');
  const sockets = [listener];
  const handlers: ((d: Buffer, from: { address: string; port: number }, broadcast: boolean) => void)[] = [];
  for (const rmc of rmcs) {
    const own = createSocket({ type: 'udp4', reuseAddr: true });
    await bind(own, port, rmc.address);
    sockets.push(own);
    const verifier = new CommandVerifier({ rmcId: rmc.rmcId, trustedKeys });
    const handle = (d: Buffer, from: { address: string; port: number }, broadcast: boolean) => {
      const m = decodeMessage(d);
      if ((m.type !== MessageType.PREPARE && m.type !== MessageType.POLL) || !verifier.check(m, Date.now()).ok) return;
      rmc.heard.push(m.type);
      if (rmc.silent || (broadcast && rmc.missesBroadcast)) return;
      const delayUs = m.type === MessageType.POLL ? 0 : replyDelayUs(m.body, rmc);
      if (delayUs === null) return;
      const reply = encodeMessage({
        type: MessageType.PREPARE_REPLY, rolloutId: m.rolloutId, rmcId: rmc.rmcId, sequence: 1,
        body: { readiness: Readiness.READY, address: rmc.address, bmcCount: 40, ...PRODUCT, replyDelayUs: delayUs, rackName: `rack-${rmc.rmcId}` },
      });
      setTimeout(() => {
        own.send(reply, from.port, from.address);
        if (rmc.answersTwice) own.send(reply, from.port, from.address);
      }, delayUs / 1000);
    };
    handlers.push(handle);
    own.on('message', (d, from) => handle(d, from, false));
  }
  listener.on('message', (d, from) => { for (const h of handlers) h(d, from, true); });
  return { port, close: () => sockets.forEach((s) => s.close()) };
}

t.test('over loopback UDP: broadcast answered, a missed broadcast polled, a silent RMC missing, a stranger ignored', async (t) => {
  const rmcs: FakeRmc[] = [
    { rmcId: 10, address: '127.50.0.10', answersTwice: true, heard: [] },
    { rmcId: 11, address: '127.50.0.11', heard: [] },
    { rmcId: 12, address: '127.50.0.12', heard: [] },
    { rmcId: 20, address: '127.50.0.20', missesBroadcast: true, heard: [] },
    { rmcId: 21, address: '127.50.0.21', silent: true, heard: [] },
  ];
  const fleet = await fakeRmcs(rmcs);
  t.teardown(() => fleet.close());
  const store = new SqliteRolloutStore(join(mkdtempSync(join(tmpdir(), 'bmcfleet-round-udp-')), 'manager.db'));
  t.teardown(() => store.close());
  const rolloutId = store.createRollout({
    createdAtMs: Date.now(), nonce: new Uint8Array(16).fill(3), imageSize: 1 << 20, imageSha256: new Uint8Array(32),
    flashTimeMs: Date.now() + 3_600_000, reply: { scheme: ReplyScheme.WINDOW, windowUs: 60_000 }, targets: rmcs,
  });
  const round = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT, marginMs: 60, pollTimeoutMs: 150, maxPolls: 2 });
  const started = Date.now();
  const glue = await PrepareRoundUdp.start({ round, clock: systemClock, rmcPort: fleet.port, bindAddress: '127.0.0.1' });
  // RMC 99 is not a target (it would ignore the Prepare): a reply from it anyway is counted and ignored
  const stranger = createSocket({ type: 'udp4' });
  await bind(stranger, 0, '127.50.0.99');
  stranger.send(encodeMessage({
    type: MessageType.PREPARE_REPLY, rolloutId, rmcId: 99, sequence: 1,
    body: { readiness: Readiness.READY, address: '127.50.0.99', bmcCount: 1, ...PRODUCT, replyDelayUs: 0, rackName: 'not-ours' },
  }), glue.port, '127.0.0.1');
  t.teardown(() => stranger.close());

  const result = await glue.done;
  const tookMs = Date.now() - started;
  t.same(result.map((m) => [m.rmcId, m.step, m.polls, m.answer?.rackName ?? null]), [
    [10, 'answered', 0, 'rack-10'], [11, 'answered', 0, 'rack-11'], [12, 'answered', 0, 'rack-12'],
    [20, 'answered', 1, 'rack-20'], [21, 'missing', 2, null],
  ]);
  t.same(rmcs.map((r) => r.heard), [[1], [1], [1], [1, 3], [1, 3, 3]], 'one broadcast to all; Polls only to the silent');
  t.equal(round.counts.replies, 4);
  t.equal(round.counts.duplicates, 1);
  t.equal(round.counts.notTargeted, 1);
  t.equal(glue.sendErrors, 0);
  t.ok(tookMs >= 60 + 60 + 150 + 150 - 5, `window + margin + two Poll timeouts (${tookMs} ms)`);
  t.same(store.rmcs(rolloutId).map((m) => m.step), ['answered', 'answered', 'answered', 'answered', 'missing'], 'the store agrees');
});
