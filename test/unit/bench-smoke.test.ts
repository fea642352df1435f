// Smoke test of the RMCP+ codec benchmark: a --quick run prints one well-formed JSON result. It keeps the
// benchmark from rotting; it asserts nothing about speed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BENCH = fileURLToPath(new URL('../../bench/rmcpplus-codec.bench.js', import.meta.url));

const EXPECTED_NAMES = [
  'suite17 request round trip',
  'suite17 response round trip',
  'suite3 request round trip',
  'suite3 response round trip',
  'header decode hand-written',
  'header decode binary-parser',
];

const EXPECTED_RATIOS = ['headerDecode_handwritten_vs_binaryParser', 'suite17_vs_suite3'];

interface Report {
  benchmark: string;
  node: string;
  machine: { cpus: number; model: string };
  results: { name: string; opsPerSec: number; rme: number; samples: number }[];
  ratios: Record<string, number>;
}

t.test('rmcpplus-codec --quick prints one JSON result', async (t) => {
  const { stdout } = await run(process.execPath, [BENCH, '--quick'], { maxBuffer: 16 * 1024 * 1024 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, 'exactly one line on stdout');
  const report = JSON.parse(lines[0]) as Report;

  t.equal(report.benchmark, 'rmcpplus-codec');
  t.equal(report.node, process.version);
  t.ok(Number.isInteger(report.machine.cpus) && report.machine.cpus > 0, 'machine.cpus');
  t.type(report.machine.model, 'string');

  t.same(report.results.map((r) => r.name).sort(), [...EXPECTED_NAMES].sort(), 'every case reported once');
  for (const r of report.results) {
    t.ok(Number.isFinite(r.opsPerSec) && r.opsPerSec > 0, `${r.name}: opsPerSec > 0`);
    t.ok(Number.isFinite(r.rme) && r.rme >= 0, `${r.name}: rme is a number`);
    t.ok(Number.isInteger(r.samples) && r.samples > 0, `${r.name}: samples`);
  }

  for (const key of EXPECTED_RATIOS) t.ok(key in report.ratios, `ratio ${key} present`);
  for (const [key, value] of Object.entries(report.ratios)) {
    t.ok(typeof value === 'number' && Number.isFinite(value) && value > 0, `ratio ${key} is a finite positive number`);
  }
});
