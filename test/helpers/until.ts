// Waiting for real I/O to land in the integration tests (a process, a socket, a server's SCN): polls on the wall clock
// and gives up, saying what it waited for, when it never came.

const POLL_MS = 50;

/** Resolves once `pred` holds, asked every 50 ms; throws after `ms` of real time. */
export async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !(await pred());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** What `get` returns once `ok` holds of it, asked every 50 ms; throws after `ms` of real time, with the last value. */
export async function untilValue<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; ;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
