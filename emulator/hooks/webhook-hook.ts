// A hook that is a webhook: the event JSON POSTed to an http(s) URL; a 2xx answer means it worked. Aborted at its
// timeout; redirects are not followed (a hook's URL is the one it names).
import type { HookResult, RunningHook } from './running-hook.js';

export function startWebhook(url: string, event: string): RunningHook {
  const abort = new AbortController();
  const done = fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'bmcfleet-hooks' }, body: event, signal: abort.signal, redirect: 'manual',
  }).then(async (res): Promise<HookResult> => {
    await res.body?.cancel();
    return res.ok ? { ok: true } : { ok: false, reason: `${url} answered HTTP ${res.status}` };
  }, (err: Error & { cause?: { code?: string; message?: string } }) => ({
    ok: false, reason: `${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`,
  }));
  return { done, cancel: () => abort.abort() };
}
