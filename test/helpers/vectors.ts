// Loads the hex vectors extracted from shared/vectors captures (see test/vectors/*/README or the JSON "source").
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Frame { n: number; from: 'client' | 'bmc'; hex: string; info: string; bytes: Buffer; /** The TCP connection it travelled on, in captures of several. */ stream?: number }

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors');

export function loadFrames(name: string): Frame[] {
  const doc = JSON.parse(readFileSync(join(root, name), 'utf8')) as { frames: Omit<Frame, 'bytes'>[] };
  return doc.frames.map((f) => ({ ...f, bytes: Buffer.from(f.hex, 'hex') }));
}
