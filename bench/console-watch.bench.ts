// 1,000 consoles watched at once by `bmcfleet sol watch` for a fixed time at a given log rate, first with a clean
// link (the anchor), then with 5% loss and 1.5 s busy stalls every 10 s: lines/s captured, lines lost (must be
// 0), sessions ended, and the CPU and RSS of the watcher and of the emulator. Prints one JSON object.
// `--quick` runs a few consoles briefly, for CI.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startEmulator } from '../test/helpers/emulator-process.js';
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { machine, treeCpuSeconds, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const CONSOLES = QUICK ? 10 : 1000;
const SECONDS = QUICK ? 5 : 180;
const LINE_INTERVAL_MS = 500;
const PORT = 9633;
const FAULTS = { lossPercent: 5, busyStallMs: 1500, busyEveryMs: 10_000 };

function fleetFile(faults: boolean): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-watchbench-')), 'fleet.yaml');
  writeFileSync(file, `ipmiPort: ${PORT}\ncontrol: none\nconsole: { lineIntervalMs: ${LINE_INTERVAL_MS} }\n` +
    `racks:\n  - { bmcs: ${CONSOLES}, firstIp: 127.34.0.1${faults ? `, faults: ${JSON.stringify(FAULTS)}` : ''} }\n`);
  return file;
}

/** Checks every log against the host's line numbers: lines seen, and lines missing or repeated between first and last. */
function audit(logDir: string) {
  let lines = 0;
  let missing = 0;
  let repeated = 0;
  for (const f of readdirSync(logDir)) {
    const seq = [...readFileSync(join(logDir, f), 'utf8').matchAll(/heartbeat seq=(\d+)\n/g)].map((m) => Number(m[1]));
    lines += seq.length;
    for (let i = 1; i < seq.length; i++) {
      if (seq[i] > seq[i - 1] + 1) missing += seq[i] - seq[i - 1] - 1;
      if (seq[i] <= seq[i - 1]) repeated++;
    }
  }
  return { lines, missing, repeated };
}

async function run(faults: boolean) {
  const emu = await startEmulator(['--config', fleetFile(faults)], 600_000);
  const logDir = join(mkdtempSync(join(tmpdir(), 'bmcfleet-watchlogs-')), 'logs');
  const targets = consecutiveAddresses('127.34.0.1', CONSOLES);
  try {
    const emuCpu0 = treeCpuSeconds([emu.child.pid!]);
    const watcher = spawn(process.execPath, [CLI, 'sol', 'watch', '--targets', `${targets[0]}-${targets[CONSOLES - 1]}`, '--port', String(PORT),
      '--log-dir', logDir, '--duration', String(SECONDS), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    watcher.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    // Resources sampled once the watcher is in its steady state, halfway through.
    let watcherRssKb = 0;
    let emulatorRssKb = 0;
    let watcherCpuSeconds = 0;
    const sample = setTimeout(() => { watcherRssKb = treeRssKb([watcher.pid!]); emulatorRssKb = treeRssKb([emu.child.pid!]); }, SECONDS * 500);
    // The watcher's CPU just before its --duration ends (its /proc entry goes with it).
    const cpu = setTimeout(() => { watcherCpuSeconds = treeCpuSeconds([watcher.pid!]); }, SECONDS * 1000 - 200);
    const code = await new Promise<number | null>((r) => watcher.once('exit', r));
    clearTimeout(sample);
    clearTimeout(cpu);
    if (code !== 0) throw new Error(`sol watch exited ${code}:\n${out}`);
    const summary = JSON.parse(out.trim().split('\n').pop()!);
    const { lines, missing, repeated } = audit(logDir);
    return {
      faults: faults ? FAULTS : null, consoles: CONSOLES, seconds: SECONDS,
      linesPerSec: Math.round(lines / SECONDS), linesCaptured: lines, linesMissing: missing, linesRepeated: repeated,
      bytesReportedLost: summary.bytesLost, sessionsEnded: summary.sessionsEnded, lateReplies: summary.lateReplies,
      watcherCpuSeconds: Math.round(watcherCpuSeconds * 100) / 100, emulatorCpuSeconds: Math.round((treeCpuSeconds([emu.child.pid!]) - emuCpu0) * 100) / 100,
      watcherRssKb, emulatorRssKb,
    };
  } finally {
    await emu.stop();
  }
}

async function main(): Promise<void> {
  process.stderr.write(`console-watch: ${CONSOLES} consoles, clean\n`);
  const clean = await run(false);
  process.stderr.write(`console-watch: ${CONSOLES} consoles, with faults\n`);
  const faulty = await run(true);
  const r = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
  process.stdout.write(`${JSON.stringify({
    benchmark: 'console-watch', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(),
    settings: { consoles: CONSOLES, seconds: SECONDS, lineIntervalMs: LINE_INTERVAL_MS },
    results: { clean, faulty },
    ratios: { linesPerSec_faulty_vs_clean: r(faulty.linesPerSec, clean.linesPerSec), emulatorCpu_faulty_vs_clean: r(faulty.emulatorCpuSeconds, clean.emulatorCpuSeconds) },
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
