// A benchmark run as the smoke tests run it: `--quick`, its stdout's lines and the JSON result on the last one.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bench = (name: string) => fileURLToPath(new URL(`../../bench/${name}.bench.js`, import.meta.url));

export async function quick(name: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, [bench(name), '--quick', ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return { lines, report: JSON.parse(lines[lines.length - 1]) };
}
