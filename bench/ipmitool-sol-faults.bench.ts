// What the real `ipmitool sol activate` does under the console faults of issue 4 (5% packet loss to the BMC,
// 1.5 s busy stalls every 10 s), against the same console without faults in the same run (the anchor):
// whether the session survives, and how many of the host's numbered lines it shows, lost or repeated.
// Recorded, not asserted: ipmitool's keepalive and retransmit rules are its own (shared/PEERS.md).
// Prints one JSON object. `--quick` runs briefly, for CI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { solActivate } from '../test/helpers/sol-console.js';
import { machine } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 6 : 240;
const PORT = 9632;
const LINE_INTERVAL_MS = 200;
const FAULTS = { lossPercent: 5, busyStallMs: 1500, busyEveryMs: 10_000 };
const CLEAN = '127.33.0.1';
const FAULTY = '127.33.1.1';

function fleetFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-solbench-')), 'fleet.yaml');
  writeFileSync(file, `ipmiPort: ${PORT}\ncontrol: none\nconsole: { lineIntervalMs: ${LINE_INTERVAL_MS} }\n` +
    `racks:\n  - { name: clean, bmcs: 1, firstIp: ${CLEAN} }\n` +
    `  - { name: faulty, bmcs: 1, firstIp: ${FAULTY}, faults: ${JSON.stringify(FAULTS)} }\n`);
  return file;
}

/** The host's numbered lines in what ipmitool printed: how many distinct, missing between first and last, repeated. */
function lines(text: string) {
  const seqs = [...text.matchAll(/heartbeat seq=(\d+)/g)].map((m) => Number(m[1]));
  const distinct = new Set(seqs);
  const span = seqs.length > 0 ? Math.max(...seqs) - Math.min(...seqs) + 1 : 0;
  return { seen: distinct.size, missing: span - distinct.size, repeated: seqs.length - distinct.size };
}

async function watch(host: string) {
  const started = performance.now();
  const sol = solActivate({ host, port: PORT });
  let endedAfterMs: number | null = null;
  const exited = sol.exit.then((code) => { endedAfterMs = Math.round(performance.now() - started); return code; });
  await Promise.race([exited, new Promise((r) => setTimeout(r, SECONDS * 1000))]);
  const survived = endedAfterMs === null;
  if (survived) sol.type('\r~.');
  const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => { sol.kill(); r(null); }, 10_000))]);
  const out = sol.output();
  return {
    survived, endedAfterMs: survived ? null : endedAfterMs, exitCode: code,
    closedByBmc: /SOL session closed by BMC/.test(out), ...lines(out),
  };
}

async function main(): Promise<void> {
  const emu = await startEmulator(['--config', fleetFile()]);
  try {
    const [clean, faulty] = await Promise.all([watch(CLEAN), watch(FAULTY)]);
    const ratio = clean.seen > 0 ? Math.round((faulty.seen / clean.seen) * 1000) / 1000 : null;
    process.stdout.write(`${JSON.stringify({
      benchmark: 'ipmitool-sol-faults', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(),
      settings: { seconds: SECONDS, lineIntervalMs: LINE_INTERVAL_MS, faults: FAULTS, lossDirection: 'datagrams to the BMC' },
      results: { clean, faulty },
      ratios: { linesSeen_faulty_vs_clean: ratio },
    })}\n`);
  } finally {
    await emu.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
