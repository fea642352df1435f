// Following a fleet's emulated hosts through its control API: their console output and a poll until something holds.

/** The console's output of `ip` over the last two minutes (the fleet's clock is the wall clock; positions are ms x 1024). */
export async function consoleText(control: string, ip: string): Promise<string> {
  let after = (Date.now() - 120_000) * 1024;
  let text = '';
  for (;;) {
    const res = await fetch(`${control}/bmcs/${ip}/console?after=${after}&limit=5000`);
    const json = (await res.json()) as { chunks: { text: string }[]; position: number; more: boolean };
    text += json.chunks.map((c) => c.text).join('');
    if (!json.more) return text;
    after = json.position;
  }
}

/** Calls `get` every 200 ms until `done` holds for its value, and resolves with it; throws after `ms`, with the last value. */
export async function waitFor<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v).slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
