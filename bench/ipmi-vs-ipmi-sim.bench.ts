// Our emulator against OpenIPMI's ipmi_sim (the anchor), same load generator, same command, same run:
//   1. one BMC each, cipher suite 3 (ipmi_sim has no SHA-256 suites): requests/s;
//   2. N BMCs each (1,000 in a full run): aggregate requests/s, total RSS, time until every BMC answers a ping.
// Prints one JSON object with the ratios (ours / ipmi_sim). `--quick` runs it small and short, for CI.
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { runIpmiLoad, type LoadReport } from '../clients/ipmi/load-generator.js';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { startIpmiSims } from './lib/ipmi-sim.js';
import { machine, msUntilAllAnswer, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const MANY = QUICK ? 10 : 1000;
const SECONDS = QUICK ? 1 : 10;
const PORT = 9630;

/** A warm-up (unmeasured, the same for both sides: JIT, caches), then the measured run. */
async function load(targets: string[], concurrency: number): Promise<LoadReport> {
  const run = (seconds: number) => runIpmiLoad({
    targets, port: PORT, username: 'admin', password: 'password', cipherSuite: 3, command: 'get-device-id',
    concurrency, durationMs: seconds * 1000, mode: 'requests', timeoutMs: 2000,
  });
  await run(QUICK ? 0.3 : 2);
  return run(SECONDS);
}

interface Side { requestsPerSec: number; p50Ms: number; p99Ms: number; errors: LoadReport['errors']; rssKb: number; readyMs: number }

async function ours(addresses: string[], concurrency: number): Promise<Side> {
  const t0 = performance.now();
  const emu = await startEmulator(['--bmcs', String(addresses.length), '--first-ip', addresses[0], '--ipmi-port', String(PORT), '--control', 'none'], 600_000);
  try {
    const readyMs = await msUntilAllAnswer(addresses, PORT, t0);
    const r = await load(addresses, concurrency);
    return { requestsPerSec: r.requestsPerSec, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, errors: r.errors, rssKb: treeRssKb([emu.child.pid!]), readyMs };
  } finally {
    await emu.stop();
  }
}

async function ipmiSim(addresses: string[], concurrency: number): Promise<Side> {
  const t0 = performance.now();
  const sims = startIpmiSims(addresses, PORT);
  try {
    const readyMs = await msUntilAllAnswer(addresses, PORT, t0);
    const r = await load(addresses, concurrency);
    return { requestsPerSec: r.requestsPerSec, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, errors: r.errors, rssKb: treeRssKb(sims.pids), readyMs };
  } finally {
    await sims.stop();
  }
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

async function main(): Promise<void> {
  const one = ['127.31.0.1'];
  process.stderr.write('one BMC: ipmi_sim\n');
  const simOne = await ipmiSim(one, 8);
  process.stderr.write('one BMC: ours\n');
  const ourOne = await ours(one, 8);
  const many = consecutiveAddresses('127.32.0.1', MANY);
  process.stderr.write(`${MANY} BMCs: ipmi_sim\n`);
  const simMany = await ipmiSim(many, Math.min(256, MANY * 4));
  process.stderr.write(`${MANY} BMCs: ours\n`);
  const ourMany = await ours(many, Math.min(256, MANY * 4));
  process.stdout.write(`${JSON.stringify({
    benchmark: 'ipmi-vs-ipmi-sim', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(),
    settings: { cipherSuite: 3, command: 'get-device-id', seconds: SECONDS, many: MANY },
    results: { oneBmc: { ours: ourOne, ipmiSim: simOne }, manyBmcs: { ours: ourMany, ipmiSim: simMany } },
    ratios: {
      oneBmc_requestsPerSec_ours_vs_ipmiSim: ratio(ourOne.requestsPerSec, simOne.requestsPerSec),
      manyBmcs_requestsPerSec_ours_vs_ipmiSim: ratio(ourMany.requestsPerSec, simMany.requestsPerSec),
      manyBmcs_rss_ours_vs_ipmiSim: ratio(ourMany.rssKb, simMany.rssKb),
      manyBmcs_readyMs_ours_vs_ipmiSim: ratio(ourMany.readyMs, simMany.readyMs),
    },
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
