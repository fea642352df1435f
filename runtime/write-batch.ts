// Writes made to a stream in one turn of the event loop go out together: one writev, and on TCP fewer segments and
// fewer wake-ups of the reader. The stream is corked at the first write and uncorked on process.nextTick, which runs
// once the current operation and the promise reactions it set off are done (the pattern the Node documentation gives
// for writable.cork()). Nothing waits on a timer: the bytes leave in the same turn they were written.
import type { Writable } from 'node:stream';

const corked = new WeakSet<Writable>();

/** Corks `stream` until the end of this turn of the event loop, if it is not already. Call before writing. */
export function batchWrites(stream: Writable): void {
  if (corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
}
