// The congestion bench's manager (issue 12), a child process of congestion.bench.ts so it can run in its own
// network namespace for the link network. It runs the manager's real rounds (orchestrator/rollout: PrepareRound for
// the broadcast schemes, PollRound for the bounded unicast poll) on the manager's own socket (ManagerSocket, read on
// its own thread) and a store in a temporary SQLite file, and reports per run when each datagram arrived and what the kernel dropped on the way to it.
// Asked over IPC (process.send): { kind: 'run', spec } -> { kind: 'result', result }; 'exit' ends it.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { signingKeyFrom } from '../protocols/rollout/keys.js';
import { ReplyScheme, type ReplySchemeParams } from '../protocols/rollout/prepare.js';
import { DEFAULT_BMC_IDENTITY } from '../emulator/rack/rack-controller.js';
import { ManagerSocket } from '../orchestrator/rollout/manager-socket.js';
import { PollRound } from '../orchestrator/rollout/poll-round.js';
import { PrepareRound, REPLY_RATE_SETTING, type RoundAction } from '../orchestrator/rollout/prepare-round.js';
import { ASSUMED_REPLY_RATE, rankSlotSchemeFor, windowSchemeFor } from '../orchestrator/rollout/reply-window.js';
import { RmcStep, type RmcRecord } from '../orchestrator/store/rollout-store.js';
import { SqliteRolloutStore } from '../orchestrator/store/sqlite-rollout-store.js';
import { systemClock } from '../runtime/clock.js';
import type { RunResult, RunSpec, Scheme } from './congestion-run.js';
import { softnetDrops, udpRcvbufErrors, udpSocketDrops } from './lib/udp-drops.js';

type Round = {
  start(nowMs: number): RoundAction[];
  receive(datagram: Uint8Array, nowMs: number): RoundAction[] | void;
  tick(nowMs: number): RoundAction[];
  readonly deadlineMs: number | null;
  readonly done: boolean;
  rmcs(): RmcRecord[];
  readonly counts: { replies: number };
};

const store = new SqliteRolloutStore(process.argv[2]);
let key: ReturnType<typeof signingKeyFrom>;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The reply scheme a run's Prepare carries: the window and the rank slot sized from the store's rate R, as a rollout's are. */
function replyFor(scheme: Scheme, n: number): ReplySchemeParams {
  switch (scheme) {
    case 'octet-sum': return { scheme: ReplyScheme.OCTET_SUM };
    case 'window': return windowSchemeFor(n, store);
    case 'rank': return rankSlotSchemeFor(store);
    default: return { scheme: ReplyScheme.IMMEDIATE };
  }
}

async function run(spec: RunSpec): Promise<RunResult> {
  if (spec.replyRate !== null) store.setSetting(REPLY_RATE_SETTING, spec.replyRate);
  const rate = store.setting(REPLY_RATE_SETTING) ?? ASSUMED_REPLY_RATE;
  const reply = replyFor(spec.scheme, spec.targets.length);
  const now = Date.now();
  const rolloutId = store.createRollout({
    createdAtMs: now, nonce: Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))), imageSize: 1 << 20,
    imageSha256: new Uint8Array(32).fill(0x5a), flashTimeMs: now + 3_600_000, reply, targets: spec.targets,
  });
  // an image for the fleet's BMCs (the emulated BMC's IDs), so every RMC answers ready, as in a real rollout
  const product = DEFAULT_BMC_IDENTITY;
  const round: Round = spec.scheme === 'poll'
    ? new PollRound({ store, rolloutId, key, product, concurrency: spec.pollConcurrency, maxPolls: spec.maxPolls })
    : new PrepareRound({ store, rolloutId, key, product, maxPolls: spec.maxPolls, marginMs: spec.marginMs, pollTimeoutMs: spec.pollTimeoutMs });

  let onDatagram: (datagram: Buffer) => void = () => {};
  const socket = await ManagerSocket.open({
    bindAddress: spec.bindAddress, recvBufferSize: spec.rcvbufBytes, rmcPort: spec.rmcPort, broadcastAddress: spec.broadcastAddress,
  }, (datagram) => onDatagram(datagram));
  const port = socket.port;
  const effectiveRcvbuf = socket.recvBufferSize;
  const before = { rcvbufErrors: udpRcvbufErrors(), softnetDrops: softnetDrops() };
  // How long the manager's event loop went without reading its socket: a stall of D ms lets D x (arrival rate)
  // replies pile up in the receive buffer.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const busyBefore = performance.eventLoopUtilization();
  const perMs = new Map<number, number>();
  let datagramsIn = 0;
  let polls = 0;
  /** The longest loop delay before the first Poll: signing a Poll round stalls the loop far longer, after the round that counts. */
  let firstRoundMaxDelayMs: number | null = null;
  let lastAnswerMs = 0;
  let t0 = 0;
  let cpuAtStart = process.cpuUsage();
  let timer: { cancel(): void } | null = null;
  /** The deadline the timer is set for. */
  let armedFor: number | null = null;

  const result = await new Promise<RunResult>((resolve, reject) => {
    const send = (actions: RoundAction[] | void) => {
      for (const a of actions ?? []) {
        if (a.kind === 'unicast' && polls++ === 0) firstRoundMaxDelayMs = loopDelay.max / 1e6;
        socket.send(a);
      }
    };
    const finish = () => {
      const cpu = process.cpuUsage(cpuAtStart);
      const socketDrops = udpSocketDrops(port);
      socket.close();
      loopDelay.disable();
      const managerLoop = {
        maxDelayMs: round3(loopDelay.max / 1e6), firstRoundMaxDelayMs: round3(firstRoundMaxDelayMs ?? loopDelay.max / 1e6),
        p99DelayMs: round3(loopDelay.percentile(99) / 1e6),
        utilisation: round3(performance.eventLoopUtilization(busyBefore).utilization),
      };
      const rmcs = round.rmcs();
      const answered = rmcs.filter((m) => m.step === RmcStep.ANSWERED);
      const firstPolls = spec.scheme === 'poll' ? 1 : 0;
      const all = answered.length === rmcs.length;
      resolve({
        replyRate: rate, reply, answered: answered.length, missing: rmcs.length - answered.length,
        measuredRate: round instanceof PrepareRound && spec.scheme === 'burst' ? round.replyRate() : null,
        firstRound: answered.filter((m) => m.polls === firstPolls).length,
        rounds: all ? Math.max(...answered.map((m) => m.polls)) + 1 - firstPolls : null,
        timeToAllMs: all ? Math.round(lastAnswerMs * 1000) / 1000 : null,
        datagramsIn, polls, arrivals: [...perMs.entries()].sort((a, b) => a[0] - b[0]),
        kernel: {
          rcvbufErrors: udpRcvbufErrors() - before.rcvbufErrors, socketDrops, softnetDrops: softnetDrops() - before.softnetDrops,
          readerDrops: socket.counters.unreadDropped,
        },
        effectiveRcvbuf, readerNice: socket.readerNice, managerLoop, managerCpuMs: (cpu.user + cpu.system) / 1000,
      });
    };
    // One step of the round: send what it asks, then wait for its next deadline, or finish.
    const step = (run: () => RoundAction[] | void) => {
      try {
        send(run());
      } catch (err) {
        socket.close();
        reject(err);
        return;
      }
      if (round.done) { timer?.cancel(); finish(); return; }
      // most replies leave the deadline as it was: the timer then stays, rather than a new one per datagram
      const deadline = round.deadlineMs;
      if (deadline === armedFor) return;
      timer?.cancel();
      armedFor = deadline;
      timer = deadline === null ? null : systemClock.setTimeout(() => { armedFor = null; step(() => round.tick(systemClock.now())); }, deadline - systemClock.now());
    };
    onDatagram = (datagram) => {
      const at = performance.now() - t0;
      datagramsIn++;
      const ms = Math.floor(at);
      perMs.set(ms, (perMs.get(ms) ?? 0) + 1);
      const replies = round.counts.replies;
      step(() => round.receive(datagram, systemClock.now()));
      if (round.counts.replies > replies) lastAnswerMs = at;
    };
    t0 = performance.now();
    cpuAtStart = process.cpuUsage();
    step(() => round.start(systemClock.now()));
  });
  return result;
}

process.on('message', (m: { kind: 'key'; pem: string } | { kind: 'run'; spec: RunSpec } | { kind: 'exit' }) => {
  if (m.kind === 'key') {
    key = signingKeyFrom(m.pem);
    process.send!({ kind: 'ready' });
  } else if (m.kind === 'run') {
    run(m.spec).then(
      (result) => process.send!({ kind: 'result', result }),
      (err: Error) => process.send!({ kind: 'error', message: err.stack ?? String(err) }),
    );
  } else {
    store.close();
    process.exit(0);
  }
});
