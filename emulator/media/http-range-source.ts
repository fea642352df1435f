// An image behind an HTTP(S) URL, read a chunk at a time with Range requests (RFC 9110 §14). The first request,
// GET with Range: bytes=0-0, learns the length from Content-Range (§14.4) and the validators (ETag §8.8.3,
// Last-Modified §8.8.2) and shows the server honours ranges; it works where HEAD does not (URLs signed for GET).
// Every later 206 must carry the same validators and total length, or the image changed under its readers.
import http from 'node:http';
import https from 'node:https';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { MediaError, MediaErrorCode } from './media-error.js';
import { checkReadRange, type ImageSource } from './image-source.js';

export interface HttpSourceOptions {
  /** CA certificates (PEM) trusted for https URLs instead of Node's bundle: a lab CA, a self-signed server's own. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** At most this many connections to the server at once for this image, kept alive and reused (default 8). */
  maxSockets?: number;
  /** Milliseconds for a whole answer, headers and body (default 30,000): then MEDIA_TIMEOUT. */
  timeoutMs?: number;
  /** Tries per read when the connection fails (a kept-alive socket the server has just closed; default 3). */
  attempts?: number;
  clock?: Clock;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]); // RFC 9110 §15.4
const MAX_REDIRECTS = 5;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/; // RFC 9110 §14.4

/** An answer: the headers, and the body only for a 206 (any other body is never read: it may be a whole image). */
interface RangeAnswer {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body?: Buffer;
}

interface Validators {
  etag: string | undefined;
  lastModified: string | undefined;
}

export class HttpRangeSource implements ImageSource {
  readonly key: string;
  readonly location: string;
  readonly size: number;
  private readonly target: URL;
  private readonly validators: Validators;
  private readonly client: RangeClient;
  private changed = false;
  private closed = false;

  private constructor(location: string, target: URL, size: number, validators: Validators, client: RangeClient) {
    this.location = location;
    this.target = target;
    this.size = size;
    this.validators = validators;
    this.client = client;
    this.key = `http:${location}|etag=${validators.etag ?? ''}|lm=${validators.lastModified ?? ''}|${size}`;
  }

  /** Probes `url` (following up to 5 redirects); the reads then go to where it led. */
  static async open(url: string | URL, options: HttpSourceOptions = {}): Promise<HttpRangeSource> {
    let target = typeof url === 'string' ? parseHttpUrl(url) : url;
    const location = withoutCredentials(target);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new MediaError(MediaErrorCode.UNSUPPORTED_SCHEME, location, `the scheme ${target.protocol.slice(0, -1)} is not supported: http or https`);
    }
    const client = new RangeClient(location, options);
    try {
      for (let redirects = 0; ; redirects++) {
        const answer = await client.get(target, 0, 0);
        const next = answer.headers.location;
        if (REDIRECT_STATUSES.has(answer.status) && next !== undefined) {
          if (redirects === MAX_REDIRECTS) throw new MediaError(MediaErrorCode.BAD_RESPONSE, location, `more than ${MAX_REDIRECTS} redirects`);
          target = new URL(next, target);
          if (target.protocol !== 'http:' && target.protocol !== 'https:') {
            throw new MediaError(MediaErrorCode.UNSUPPORTED_SCHEME, location, `redirected to ${target.protocol.slice(0, -1)}, not http or https`);
          }
          continue;
        }
        // a range starting at 0 is unsatisfiable only when the representation is empty (RFC 9110 §14.1.2)
        if (answer.status === 416) throw new MediaError(MediaErrorCode.EMPTY_IMAGE, location, 'the image is empty (0 bytes)');
        expectPartialContent(answer, location);
        const range = contentRange(answer, location);
        if (range.first !== 0 || range.last !== 0 || range.complete === undefined || range.complete === 0) {
          throw new MediaError(MediaErrorCode.BAD_RESPONSE, location, `Content-Range "${answer.headers['content-range']}" does not answer bytes=0-0 with the image's length`);
        }
        const validators = { etag: answer.headers.etag, lastModified: answer.headers['last-modified'] };
        return new HttpRangeSource(location, target, range.complete, validators, client);
      }
    } catch (err) {
      client.close();
      throw err;
    }
  }

  async readAt(offset: number, length: number): Promise<Buffer> {
    checkReadRange(this, offset, length);
    if (this.closed) throw new MediaError(MediaErrorCode.CLOSED, this.location, 'read after the image was closed (ejected)');
    if (length === 0) return Buffer.alloc(0);
    try {
      return await this.readRange(offset, length);
    } catch (err) {
      if (err instanceof MediaError && err.code === MediaErrorCode.IMAGE_CHANGED) this.changed = true;
      throw err;
    }
  }

  /** Until a read found the image changed: the server is not asked again for each insert. */
  async isCurrent(): Promise<boolean> {
    return !this.changed;
  }

  private async readRange(offset: number, length: number): Promise<Buffer> {
    const answer = await this.client.get(this.target, offset, offset + length - 1);
    // the image got shorter than the range: it changed (RFC 9110 §15.5.17)
    if (answer.status === 416) throw new MediaError(MediaErrorCode.IMAGE_CHANGED, this.location, `bytes ${offset}-${offset + length - 1} are no longer there`);
    expectPartialContent(answer, this.location);
    const range = contentRange(answer, this.location);
    if (range.complete !== undefined && range.complete !== this.size) {
      throw new MediaError(MediaErrorCode.IMAGE_CHANGED, this.location, `now ${range.complete} bytes long, ${this.size} when inserted`);
    }
    this.checkValidators(answer.headers);
    if (range.first !== offset || range.last !== offset + length - 1) {
      throw new MediaError(MediaErrorCode.BAD_RESPONSE, this.location, `asked for bytes ${offset}-${offset + length - 1}, got Content-Range "${answer.headers['content-range']}"`);
    }
    return answer.body!;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
  }

  private checkValidators(headers: http.IncomingHttpHeaders): void {
    const { etag, lastModified } = this.validators;
    if (etag !== undefined && headers.etag !== etag) {
      throw new MediaError(MediaErrorCode.IMAGE_CHANGED, this.location, `ETag ${headers.etag ?? '(none)'}, was ${etag} when inserted`);
    }
    if (etag === undefined && lastModified !== undefined && headers['last-modified'] !== lastModified) {
      throw new MediaError(MediaErrorCode.IMAGE_CHANGED, this.location, `Last-Modified ${headers['last-modified'] ?? '(none)'}, was ${lastModified} when inserted`);
    }
  }
}

/** The GETs of one image: its keep-alive agents (one per scheme, as a redirect may change it), timeout and retries. */
class RangeClient {
  private readonly location: string;
  private readonly options: HttpSourceOptions;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private httpAgent: http.Agent | undefined;
  private httpsAgent: https.Agent | undefined;

  constructor(location: string, options: HttpSourceOptions) {
    this.location = location;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attempts = Math.max(1, options.attempts ?? 3);
  }

  /** GET with Range: bytes=first-last; a connection failure is tried again, then becomes MEDIA_NETWORK. */
  async get(target: URL, first: number, last: number): Promise<RangeAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(target, first, last);
      } catch (err) {
        if (err instanceof MediaError) throw err;
        if (attempt >= this.attempts) {
          throw new MediaError(MediaErrorCode.NETWORK, this.location, `${(err as Error).message} (${attempt} attempt${attempt > 1 ? 's' : ''})`, { cause: err });
        }
      }
    }
  }

  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
  }

  private once(target: URL, first: number, last: number): Promise<RangeAnswer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, answer?: RangeAnswer) => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        if (err) reject(err);
        else resolve(answer!);
      };
      const request = target.protocol === 'https:' ? https.request : http.request;
      const req = request(target, { agent: this.agentFor(target), headers: { range: `bytes=${first}-${last}`, 'accept-encoding': 'identity' } });
      const deadline = this.clock.setTimeout(() => {
        settle(new MediaError(MediaErrorCode.TIMEOUT, this.location, `no whole answer to bytes=${first}-${last} within ${this.timeoutMs} ms`));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (err) => settle(err));
      req.on('response', (res) => {
        const head = { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers };
        if (head.status !== 206) {
          settle(undefined, head);
          res.destroy();
          return;
        }
        const expected = last - first + 1;
        const body = Buffer.allocUnsafe(expected);
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          if (received + chunk.length > expected) {
            settle(new MediaError(MediaErrorCode.BAD_RESPONSE, this.location, `more than the ${expected} bytes asked for in bytes=${first}-${last}`));
            res.destroy();
            return;
          }
          chunk.copy(body, received);
          received += chunk.length;
        });
        res.on('end', () => {
          if (received === expected) settle(undefined, { ...head, body });
          else settle(new MediaError(MediaErrorCode.BAD_RESPONSE, this.location, `${received} of the ${expected} bytes of bytes=${first}-${last}`));
        });
        res.on('error', (err) => settle(err));
        res.on('close', () => settle(new Error(`the connection closed after ${received} of ${expected} bytes`)));
      });
      req.end();
    });
  }

  private agentFor(target: URL): http.Agent {
    const maxSockets = this.options.maxSockets ?? 8;
    if (target.protocol === 'https:') return (this.httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets, ca: this.options.ca }));
    return (this.httpAgent ??= new http.Agent({ keepAlive: true, maxSockets }));
  }
}

function parseHttpUrl(text: string): URL {
  try {
    return new URL(text);
  } catch (err) {
    throw new MediaError(MediaErrorCode.BAD_LOCATION, text, 'not a valid URL', { cause: err });
  }
}

/** The URL as shown in messages, keys and the control API: without user:password. */
export function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

function expectPartialContent(answer: RangeAnswer, location: string): void {
  if (answer.status === 206) return;
  if (answer.status === 200) {
    throw new MediaError(MediaErrorCode.NO_RANGE_SUPPORT, location, 'the server does not support Range requests (it answered 200 with the whole image, not 206)');
  }
  throw new MediaError(MediaErrorCode.HTTP_STATUS, location, `HTTP ${answer.status} ${answer.statusMessage}`.trimEnd());
}

function contentRange(answer: RangeAnswer, location: string): { first: number; last: number; complete: number | undefined } {
  const m = CONTENT_RANGE.exec(answer.headers['content-range'] ?? '');
  if (!m) throw new MediaError(MediaErrorCode.BAD_RESPONSE, location, `206 with Content-Range "${answer.headers['content-range'] ?? ''}", not bytes FIRST-LAST/LENGTH`);
  return { first: Number(m[1]), last: Number(m[2]), complete: m[3] === '*' ? undefined : Number(m[3]) };
}
