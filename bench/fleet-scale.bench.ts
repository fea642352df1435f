// Scale sweep of one `bmcfleet emulate` (1,000 / 10,000 / 50,000 BMCs in a full run): time until the ready
// line and until every BMC answers a ping, RSS per BMC, requests/s and session setups/s over the whole fleet.
// The anchor is the targets the issue sets (50,000 ready within 30 s, <= 100 KB RSS a BMC, >= 3,000 session
// setups/s): each ratio is measured / target. Prints one JSON object. `--quick` runs one small fleet, for CI.
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { runIpmiLoad } from '../clients/ipmi/load-generator.js';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { machine, msUntilAllAnswer, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK ? [200] : [1000, 10_000, 50_000];
const SECONDS = QUICK ? 1 : 10;
const PORT = 9631;
const TARGET = { readyMsAt50k: 30_000, rssKbPerBmc: 100, sessionSetupsPerSec: 3000 };

async function measure(n: number) {
  const addresses = consecutiveAddresses('127.128.0.1', n);
  const t0 = performance.now();
  const emu = await startEmulator(['--bmcs', String(n), '--first-ip', addresses[0], '--ipmi-port', String(PORT), '--control', 'none'], 900_000);
  const readyLineMs = Math.round(performance.now() - t0);
  try {
    const allAnswerMs = await msUntilAllAnswer(addresses, PORT, t0);
    const rssKb = treeRssKb([emu.child.pid!]);
    // Workers spread over the whole fleet: every worker on its own BMC.
    const spread = addresses.filter((_, i) => i % Math.max(1, Math.floor(n / 256)) === 0).slice(0, 256);
    const common = { targets: spread, port: PORT, username: 'admin', password: 'password', cipherSuite: 17, command: 'get-device-id' as const, concurrency: spread.length, timeoutMs: 2000 };
    await runIpmiLoad({ ...common, durationMs: 500, mode: 'requests' }); // warm-up
    const requests = await runIpmiLoad({ ...common, durationMs: SECONDS * 1000, mode: 'requests' });
    const sessions = await runIpmiLoad({ ...common, concurrency: Math.min(64, spread.length), durationMs: SECONDS * 1000, mode: 'sessions' });
    return {
      bmcs: n, shards: /\((\d+) shards?\)/.exec(emu.readyLine)?.[1] ?? null, readyLineMs, allAnswerMs,
      rssKbTotal: rssKb, rssKbPerBmc: Math.round((rssKb / n) * 10) / 10,
      requestsPerSec: requests.requestsPerSec, requestLatencyMs: requests.latencyMs, requestErrors: requests.errors,
      sessionSetupsPerSec: sessions.sessionSetupsPerSec, sessionErrors: sessions.errors,
    };
  } finally {
    await emu.stop();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const n of SIZES) {
    process.stderr.write(`fleet-scale: ${n} BMCs\n`);
    results.push(await measure(n));
  }
  const largest = results[results.length - 1];
  const r = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  process.stdout.write(`${JSON.stringify({
    benchmark: 'fleet-scale', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(), anchor: TARGET, results,
    ratios: {
      // Below 1 is better for the first two (time, memory against their ceilings), above 1 for the third.
      readyMs_vs_target: r(largest.allAnswerMs * (50_000 / largest.bmcs), TARGET.readyMsAt50k),
      rssPerBmc_vs_target: r(largest.rssKbPerBmc, TARGET.rssKbPerBmc),
      sessionSetups_vs_target: r(largest.sessionSetupsPerSec, TARGET.sessionSetupsPerSec),
    },
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
