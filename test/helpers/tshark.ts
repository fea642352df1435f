// Captures loopback traffic with the real tshark and decodes it independently of our codecs.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Capture { file: string; stop(): Promise<void> }

/**
 * Starts `tshark -i lo -f FILTER -w FILE` and resolves once it is capturing: at "Capture started", not at
 * "Capturing on", which tshark prints before the filter is live (a test's first datagrams were lost).
 */
export function startCapture(filter: string): Promise<Capture> {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-cap-')), 'capture.pcapng');
  const child = spawn('tshark', ['-i', 'lo', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start:\n${err}`)), 30_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('Capture started')) {
        clearTimeout(timer);
        resolve({
          file,
          stop: async () => {
            await new Promise((r) => setTimeout(r, 500)); // let the last packets reach the ring buffer
            child.kill('SIGINT');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tshark exited ${code}:\n${err}`)); });
  });
}

/** Full dissection (`-V`) of a capture, decoding `port` as RMCP. */
export function dissect(file: string, port: number, fields?: string[]): Promise<string> {
  const args = ['-r', file, '-d', `udp.port==${port},rmcp`];
  if (fields) args.push('-T', 'fields', ...fields.flatMap((f) => ['-e', f]));
  else args.push('-V');
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}

/** Lines of a dissection that show a malformed packet or an expert error. */
export function malformedLines(dissection: string): string[] {
  return dissection.split('\n').filter((l) => /Malformed Packet|\[Expert Info \(Error/.test(l));
}
