// A measurement for the congestion study (issue 12, bench/results/congestion-window-study.json): one shard's RMCs in
// one process (no sockets, no manager) take one window-scheme Prepare, and each reply's send time is set against
// the Prepare's arrival + its delay. Plain JavaScript on a build folder, so the same file measures two builds (one
// made from an older commit in a folder of its own):
//   node bench/congestion-handoff-sim.mjs DIST RMCS WINDOW_MS      e.g. node bench/congestion-handoff-sim.mjs dist 1250 1250
// It prints one JSON line: the synchronous hand-off's ms, the replies planned and the most sent in any 10 ms, and how
// late replies left (ms, p50, p99, max).
import { resolve } from 'node:path';
const [D, NS, WS] = process.argv.slice(2);
const N = Number(NS), W = Number(WS);
const imp = (p) => import(new URL(`${p}`, `file://${resolve(D)}/`).href);
const { signMessage } = await imp('protocols/rollout/auth.js');
const { SignatureVerdicts } = await imp('protocols/rollout/command-verifier.js');
const { ALL_RMCS, MessageType } = await imp('protocols/rollout/header.js');
const { generateManagerKey, trustedKeyFromRaw } = await imp('protocols/rollout/keys.js');
const { ReplyScheme } = await imp('protocols/rollout/prepare.js');
const { windowDelayUs } = await imp('protocols/rollout/reply-delay.js');
const { RackController } = await imp('emulator/rack/rack-controller.js');
const { RmcBroadcastListener } = await imp('emulator/rack/rmc-broadcast.js');
const { RmcNode } = await imp('emulator/rack/rmc-node.js');
const { systemClock } = await imp('runtime/clock.js');
const { signing, rawPublicKey } = generateManagerKey();
const trusted = trustedKeyFromRaw(rawPublicKey);
const signatures = new SignatureVerdicts();
const sentAt = new Float64Array(N + 1);
let sent = 0, t0 = 0;
let done;
const finished = new Promise((r) => { done = r; });
const nodes = Array.from({ length: N }, (_, i) => {
  const rmc = new RackController({ rmcId: i + 1, address: `127.9.${i >> 8}.${i & 255}`, rackName: `r${i + 1}`, bmcCount: 1, trustedKeys: [trusted], startedAtMs: Date.now() - 1000, signatures });
  const node = new RmcNode(rmc, systemClock);
  node.attach(() => { sentAt[i + 1] = performance.now() - t0; if (++sent === N) done(); });
  return node;
});
const listener = new RmcBroadcastListener(nodes, systemClock);
const nonce = new Uint8Array(16).fill(9);
const msg = { type: MessageType.PREPARE, rolloutId: 1, rmcId: ALL_RMCS, sequence: 1, body: { nonce, imageSize: 1, imageSha256: new Uint8Array(32), manufacturerId: 32473, productId: 1, flashTimeMs: Date.now() + 3600_000, reply: { scheme: ReplyScheme.WINDOW, windowUs: W * 1000 }, targets: [{ firstRmcId: 1, count: N }] } };
const bytes = signMessage(msg, signing, Date.now());
const keep = setInterval(() => {}, 1000);
t0 = performance.now();
listener.handle(bytes, { address: '127.0.0.1', port: 40000 });
const handOffMs = performance.now() - t0;
await finished;
clearInterval(keep);
const perMs = new Map(); let late = [], peak = 0;
for (let id = 1; id <= N; id++) {
  const ms = Math.floor(sentAt[id]); perMs.set(ms, (perMs.get(ms) ?? 0) + 1);
  late.push(sentAt[id] - windowDelayUs(id, nonce, W * 1000) / 1000);
}
const ms = [...perMs.keys()].sort((a, b) => a - b);
for (const m of ms) { let s = 0; for (let k = m; k < m + 10; k++) s += perMs.get(k) ?? 0; peak = Math.max(peak, s); }
late.sort((a, b) => a - b);
const q = (p) => late[Math.floor(p * (N - 1))].toFixed(1);
console.log(JSON.stringify({ rmcs: N, windowMs: W, synchronousHandOffMs: Math.round(handOffMs), plannedPer10Ms: +(N / W * 10).toFixed(1), peakPer10Ms: peak, lateMs: { p50: +q(0.5), p99: +q(0.99), max: +q(1) }, lastSentMs: Math.round(Math.max(...sentAt)) }));
process.exit(0);
