// A real node:http server on 127.0.0.1 (port 0) serving images with Range requests (RFC 9110 §14) as nginx does:
// 206 with Content-Range, ETag and Last-Modified, 416 past the end. It counts what it sends, so tests can check
// how many bytes a cache read from it. Paths: /NAME for an image, /redirect/NAME (302 to /NAME), anything else 404.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RangeServerOptions {
  /** Answers every GET with 200 and the whole image, as a server without range support does. */
  ignoreRange?: boolean;
  /** Serves https with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export interface RangeServer {
  readonly url: string;
  /** Image bytes sent in bodies. */
  bytesServed: number;
  /** GET requests answered, by status. */
  readonly requests: Map<number, number>;
  /** The most connections open at once. */
  maxConnections: number;

  /** Serves `data` at /NAME, under a new ETag. */
  put(name: string, data: Buffer): void;
  close(): Promise<void>;
}

export async function startRangeServer(options: RangeServerOptions = {}): Promise<RangeServer> {
  const images = new Map<string, { data: Buffer; etag: string; lastModified: string }>();
  let version = 0;
  let open = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const answer = (status: number, headers: http.OutgoingHttpHeaders, body?: Buffer) => {
      state.requests.set(status, (state.requests.get(status) ?? 0) + 1);
      res.writeHead(status, headers);
      if (body && req.method !== 'HEAD') state.bytesServed += body.length;
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.startsWith('/redirect/')) return answer(302, { location: `/${path.slice('/redirect/'.length)}` });
    const image = images.get(path.slice(1));
    if (!image) return answer(404, { 'content-type': 'text/plain' }, Buffer.from('not found\n'));
    const common = { etag: image.etag, 'last-modified': image.lastModified, 'accept-ranges': options.ignoreRange ? 'none' : 'bytes' };
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (options.ignoreRange || !m) return answer(200, { ...common, 'content-length': image.data.length }, image.data);
    const first = Number(m[1]);
    const last = Math.min(Number(m[2]), image.data.length - 1);
    if (first >= image.data.length) return answer(416, { ...common, 'content-range': `bytes */${image.data.length}` });
    const body = image.data.subarray(first, last + 1);
    answer(206, { ...common, 'content-range': `bytes ${first}-${last}/${image.data.length}`, 'content-length': body.length }, body);
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  server.on('connection', (socket) => {
    open++;
    state.maxConnections = Math.max(state.maxConnections, open);
    socket.on('close', () => { open--; });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: RangeServer = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    bytesServed: 0,
    requests: new Map(),
    maxConnections: 0,
    put(name, data) {
      version++;
      images.set(name, { data, etag: `"v${version}-${data.length}"`, lastModified: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toUTCString() });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return state;
}

/** Bytes that differ at every offset (no two 64 KiB chunks alike), so a read from the wrong place shows. */
export function patternedImage(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >>> 8) * 13 + (i >>> 16) * 31) & 0xff;
  return b;
}
