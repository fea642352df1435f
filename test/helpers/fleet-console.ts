// A fleet's emulated host's console output, through the fleet's control API.

/** The console's output of `ip` over the last two minutes (the fleet's clock is the wall clock; positions are ms x 1024). */
export async function consoleText(control: string, ip: string): Promise<string> {
  let after = (Date.now() - 120_000) * 1024;
  let text = '';
  for (;;) {
    const res = await fetch(`${control}/bmcs/${ip}/console?after=${after}&limit=5000`);
    if (res.status !== 200) throw new Error(`GET /bmcs/${ip}/console answered ${res.status}: ${await res.text()}`);
    const json = (await res.json()) as { chunks: { text: string }[]; position: number; more: boolean };
    text += json.chunks.map((c) => c.text).join('');
    if (!json.more) return text;
    after = json.position;
  }
}
