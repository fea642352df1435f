// What a BMC does for SimpleUpdate's ImageURI (UpdateService.v1_8_0): GET the image over HTTP or HTTPS (RFC 9110),
// following a few redirects, and hand its bytes on as they arrive; never the whole image in memory. Bounded in time
// on the Clock; the sink may stop it (an image larger than the firmware model takes).
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../../runtime/clock.js';

export interface DownloadSink {
  /** The answer's Content-Length, or null. */
  started(length: number | null): void;
  /** A piece of the body; false stops the download (it then resolves: the sink knows why). */
  data(chunk: Buffer): boolean;
}

/** A download that could not be made: the message says why (for logs; the task says TransferFailed). */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]); // RFC 9110 §15.4
const MAX_REDIRECTS = 5;
/** The whole download, headers and body. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** Fetches `url` into `sink`; rejects with DownloadError (bad status, connection failed, timed out). */
export function downloadImage(url: URL, sink: DownloadSink, clock: Clock): Promise<void> {
  return new Promise((resolve, reject) => {
    let request: http.ClientRequest | null = null;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      request?.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = clock.setTimeout(() => finish(new DownloadError(`no whole image within ${DOWNLOAD_TIMEOUT_MS} ms`)), DOWNLOAD_TIMEOUT_MS);
    const get = (target: URL, redirects: number) => {
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        finish(new DownloadError(`${target.protocol} is not HTTP or HTTPS`));
        return;
      }
      const client = target.protocol === 'https:' ? https : http;
      request = client.get(target, (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status) && res.headers.location !== undefined && redirects < MAX_REDIRECTS) {
          res.resume();
          let next: URL;
          try {
            next = new URL(res.headers.location, target);
          } catch {
            finish(new DownloadError(`a redirect to a bad location: ${res.headers.location}`));
            return;
          }
          get(next, redirects + 1);
          return;
        }
        if (status !== 200) {
          res.resume();
          finish(new DownloadError(`${target.href}: HTTP ${status}`));
          return;
        }
        const declared = res.headers['content-length'];
        sink.started(declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null);
        res.on('data', (chunk: Buffer) => { if (!settled && !sink.data(chunk)) finish(null); });
        res.on('end', () => finish(res.complete ? null : new DownloadError(`${target.href}: the connection closed early`)));
        res.on('error', (err) => finish(new DownloadError(err.message)));
      });
      request.on('error', (err) => finish(new DownloadError(err.message)));
    };
    get(url, 0);
  });
}
