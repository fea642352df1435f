// Where a virtual medium's bytes come from: a local file or an HTTP(S) URL, read at any offset. Sources are only
// ever read (there is no write here at all): a host's writes go to its copy-on-write overlay (cow-overlay.ts).

export interface ImageSource {
  /** Identity of these exact bytes, for the block cache: file path + size + mtime, or URL + ETag/Last-Modified + length. */
  readonly key: string;
  /** The path or URL the user gave (any user:password part removed), for messages and the control API. */
  readonly location: string;
  /** Length in bytes, learnt when the source was opened. */
  readonly size: number;
  /** Resolves with exactly `length` bytes from `offset`; offset + length must not pass `size`. Rejects with a MediaError. */
  readAt(offset: number, length: number): Promise<Buffer>;
  /** False once the image is known to have changed since it was opened, so a new insert opens it afresh. */
  isCurrent(): Promise<boolean>;
  /** Releases the file handle or the HTTP connections; a read after this rejects with MEDIA_CLOSED. */
  close(): Promise<void>;
}

/** Throws a RangeError (a caller's bug, not bad input) unless [offset, offset + length) lies within the source. */
export function checkReadRange(source: ImageSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > source.size) {
    throw new RangeError(`${source.location}: read of ${length} bytes at ${offset} outside the image's ${source.size} bytes`);
  }
}
