// The update image against its descriptor's sha256 (issue 14, bad input "a corrupt image"): an update that arrives
// (feed, alert) is recorded only once its image, fetched or read whole, has the sum the descriptor says. The image
// is where the descriptor points: an http(s) URL, or a name beside the descriptor (its folder, or its URL's).
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import type { UpdateDescriptor } from './update-descriptor.js';
import { fetchOk } from '../../runtime/http/fetch-ok.js';

/** Reading an image stops past this size (an update image is an OS install image, not more). */
export const MAX_IMAGE_BYTES = 64 * 1024 ** 3;
const FETCH_TIMEOUT_MS = 30 * 60_000;

/** Where the image of `d`, read from `source` (a path or an http(s) URL), is. */
export function imageLocation(d: UpdateDescriptor, source: string): string {
  if (/^https?:\/\//i.test(d.image)) return d.image;
  return /^https?:\/\//i.test(source) ? new URL(d.image, source).href : join(dirname(source), d.image);
}

async function sumOf(chunks: AsyncIterable<Uint8Array>, where: string): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    if (bytes > MAX_IMAGE_BYTES) throw new Error(`${where} is larger than ${MAX_IMAGE_BYTES} bytes`);
    hash.update(chunk);
  }
  return hash.digest('hex');
}

async function fetched(url: string): Promise<AsyncIterable<Uint8Array>> {
  const res = await fetchOk(url, FETCH_TIMEOUT_MS);
  if (res.body === null) throw new Error(`cannot fetch ${url}: HTTP ${res.status} with no body`);
  return res.body;
}

/** Why the image of `d` (read from `source`) is not the update, or null when its sha256 is the descriptor's. */
export async function imageSumProblem(d: UpdateDescriptor, source: string): Promise<string | null> {
  const where = imageLocation(d, source);
  let sum: string;
  try {
    sum = /^https?:\/\//i.test(where) ? await sumOf(await fetched(where), where) : await sumOf(createReadStream(where), where);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `image ${where}: ${e.code === 'ENOENT' ? 'not found (an update image sits beside its descriptor, or is an http(s) URL)' : e.message}`;
  }
  return sum === d.sha256 ? null : `image ${where}: its sha256 is ${sum}, the descriptor says ${d.sha256}: corrupt or not this update`;
}
