// An http(s) GET whose failures a user can read: a network failure throws "cannot fetch URL: " and the cause's message
// (not fetch's bare "fetch failed"), a non-2xx answer "cannot fetch URL: HTTP status".

/** GET `url`, aborted after `timeoutMs`: the response, 2xx. */
export async function fetchOk(url: string, timeoutMs: number): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as Error).cause;
    throw new Error(`cannot fetch ${url}: ${cause instanceof Error ? cause.message : (err as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  }
  return res;
}
