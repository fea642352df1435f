// Issue 13: 1,000 hosts reading one 64 MiB image at once through the process's block cache, against one reader
// reading the file directly (the anchor, in the same run): aggregate throughput, bytes read from the backing (the
// goal is one image's worth) and RSS. Each host has its own CD-ROM medium from one ImageLibrary and reads it from
// start to end in 120 KiB reads (60 blocks: Linux usb-storage's default max_sectors of 240), all hosts at once.
// Twice: from a file, then from a node:http server on 127.0.0.1 serving Range requests (in this process: it sends
// one image's worth, next to the readers' 64 GB). The anchor reads the same file (in the page cache, as the hosts'
// file is) with one FileHandle, 120 KiB at a time, into one buffer, for at least a second.
// `--quick`: 8 MiB, 100 hosts. Prints one JSON object.
import { promises as fs, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriveKind, type Medium } from '../protocols/scsi/medium.js';
import { ImageLibrary } from '../emulator/media/image-library.js';
import { patternedImage, startRangeServer } from '../test/helpers/range-server.js';
import { machine } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const IMAGE_BYTES = (QUICK ? 8 : 64) * 1024 * 1024;
const HOSTS = QUICK ? 100 : 1000;
const READ_BLOCKS = 60;
const BLOCK = 2048;
const READ_BYTES = READ_BLOCKS * BLOCK;
const ANCHOR_MIN_SECONDS = QUICK ? 0.2 : 1;
const CACHE_MAX_BYTES = 256 * 1024 * 1024;

const image = patternedImage(IMAGE_BYTES);
const mb = (bytes: number, seconds: number) => Math.round(bytes / seconds / 1e5) / 10;
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
const rssKb = () => Math.round(process.memoryUsage().rss / 1024);

/** The anchor: one reader, straight from the file, the whole image again and again for at least a second. */
async function direct(path: string): Promise<{ seconds: number; bytes: number; mbPerSec: number }> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let bytes = 0;
    const t0 = performance.now();
    do {
      for (let offset = 0; offset < IMAGE_BYTES; offset += READ_BYTES) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_BYTES, IMAGE_BYTES - offset), offset);
        if (buffer[0] !== image[offset]) throw new Error(`self-check failed: direct read at ${offset}`);
        bytes += bytesRead;
      }
    } while (performance.now() - t0 < ANCHOR_MIN_SECONDS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds: Math.round(seconds * 1000) / 1000, bytes, mbPerSec: mb(bytes, seconds) };
  } finally {
    await handle.close();
  }
}

/** One host reading its medium from start to end; checks the first and last byte of each read against the image. */
async function host(medium: Medium): Promise<number> {
  let bytes = 0;
  for (let lba = 0; lba < medium.blockCount; lba += READ_BLOCKS) {
    const blocks = Math.min(READ_BLOCKS, medium.blockCount - lba);
    const data = await medium.read(lba, blocks);
    const at = lba * BLOCK;
    if (data[0] !== image[at] || data[data.length - 1] !== image[at + data.length - 1]) throw new Error(`self-check failed: a host's read at block ${lba}`);
    bytes += data.length;
  }
  return bytes;
}

interface Shared {
  seconds: number;
  bytesDelivered: number;
  aggregateMbPerSec: number;
  backingBytesRead: number;
  cache: { hits: number; misses: number; sharedMisses: number; readaheads: number; evictions: number };
  rssKb: { before: number; max: number; after: number };
}

/** HOSTS hosts on `location` at once, each with its own medium of one library (a fresh cache). */
async function shared(location: string): Promise<Shared> {
  const library = new ImageLibrary({ cache: { maxBytes: CACHE_MAX_BYTES } });
  const before = rssKb();
  let max = before;
  const sampler = setInterval(() => { max = Math.max(max, rssKb()); }, 20);
  try {
    const media = await Promise.all(Array.from({ length: HOSTS }, () => library.load(location, DriveKind.cdrom)));
    const t0 = performance.now();
    const delivered = await Promise.all(media.map((m) => host(m.medium)));
    const seconds = (performance.now() - t0) / 1000;
    max = Math.max(max, rssKb());
    for (const m of media) m.release();
    const bytesDelivered = delivered.reduce((a, b) => a + b, 0);
    const { backingBytesRead, hits, misses, sharedMisses, readaheads, evictions } = library.cache.counters;
    return {
      seconds: Math.round(seconds * 1000) / 1000, bytesDelivered, aggregateMbPerSec: mb(bytesDelivered, seconds), backingBytesRead,
      cache: { hits, misses, sharedMisses, readaheads, evictions }, rssKb: { before, max, after: rssKb() },
    };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-media-cache-bench-'));
  const server = await startRangeServer();
  try {
    const path = join(dir, 'install.iso');
    writeFileSync(path, image);
    server.put('install.iso', image);
    const loadAverageAtStart = Math.round(loadavg()[0] * 100) / 100;
    process.stderr.write(`anchor: one reader, the file directly\n`);
    const anchor = await direct(path);
    process.stderr.write(`  ${anchor.mbPerSec} MB/s\n${HOSTS} hosts through the cache, from the file\n`);
    const file = await shared(path);
    process.stderr.write(`  ${file.aggregateMbPerSec} MB/s in all, ${file.backingBytesRead} bytes from the file\n${HOSTS} hosts through the cache, over HTTP\n`);
    const http = { ...(await shared(`${server.url}/install.iso`)), serverBytesSent: server.bytesServed };
    process.stderr.write(`  ${http.aggregateMbPerSec} MB/s in all, the server sent ${http.serverBytesSent} bytes\n`);
    process.stdout.write(`${JSON.stringify({
      benchmark: 'media-cache', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(), loadAverageAtStart,
      settings: { imageBytes: IMAGE_BYTES, hosts: HOSTS, readBytes: READ_BYTES, chunkSize: 65536, cacheMaxBytes: CACHE_MAX_BYTES },
      results: { direct: anchor, file, http },
      ratios: {
        file_aggregateThroughput_vs_direct: ratio(file.aggregateMbPerSec, anchor.mbPerSec),
        file_backingBytes_vs_image: ratio(file.backingBytesRead, IMAGE_BYTES),
        http_aggregateThroughput_vs_direct: ratio(http.aggregateMbPerSec, anchor.mbPerSec),
        http_serverBytes_vs_image: ratio(http.serverBytesSent, IMAGE_BYTES),
      },
    })}\n`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
