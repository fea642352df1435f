// One request to a running fleet's control API (what "bmcfleet emulate" printed as "control http://..."), as the
// integration tests make it: a JSON body when there is one, the answer's status, its text and its JSON.

export interface ControlAnswer { status: number; json: any; text: string }

/** `method path` at `control`, `body` as JSON; `json` is null for an answer that is not JSON (/metrics is text). */
export async function controlRequest(control: string, method: string, path: string, body?: unknown): Promise<ControlAnswer> {
  const res = await fetch(`${control}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* /metrics is text */ }
  return { status: res.status, json, text };
}
