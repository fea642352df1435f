// What a user names as an image (control API, OEM command, fleet file, flows): a file path, a file:// URL, an
// http(s) URL, or a blank medium (`blank:64MiB`). Anything else is refused here with a clear MediaError, before anything is opened.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError, MediaErrorCode } from './media-error.js';

export type ImageLocation =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'http'; readonly url: URL }
  | { readonly kind: 'blank'; readonly bytes: number };

/** `blank:64MiB`: a medium of zeros of that size (KiB, MiB or GiB; whole 512-byte blocks). */
const BLANK = /^blank:(\d{1,7})(KiB|MiB|GiB)$/;
const UNIT = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

const URL_LIKE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//; // scheme "://" (RFC 3986 §3)

/** A path is made absolute against the working directory; a URL must be http, https or file. */
export function parseImageLocation(text: string): ImageLocation {
  if (text.trim() === '') throw new MediaError(MediaErrorCode.BAD_LOCATION, JSON.stringify(text), 'no image named: give a file path or an http(s) URL');
  const blank = BLANK.exec(text);
  if (blank) {
    const bytes = Number(blank[1]) * UNIT[blank[2] as keyof typeof UNIT];
    if (bytes === 0 || bytes % 512 !== 0 || bytes > 2 ** 40) throw new MediaError(MediaErrorCode.BAD_LOCATION, text, 'a blank medium is whole 512-byte blocks, at most 1 TiB');
    return { kind: 'blank', bytes };
  }
  const scheme = URL_LIKE.exec(text)?.[1].toLowerCase();
  if (scheme === undefined) return { kind: 'file', path: resolve(text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new MediaError(MediaErrorCode.BAD_LOCATION, text, 'not a valid URL', { cause: err });
  }
  if (scheme === 'http' || scheme === 'https') return { kind: 'http', url };
  if (scheme === 'file') {
    try {
      return { kind: 'file', path: fileURLToPath(url) };
    } catch (err) {
      throw new MediaError(MediaErrorCode.BAD_LOCATION, text, `not a local file URL: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new MediaError(MediaErrorCode.UNSUPPORTED_SCHEME, `${scheme}://${url.host}${url.pathname}`,
    `the scheme ${scheme} is not supported: give a file path or an http(s) URL`);
}
