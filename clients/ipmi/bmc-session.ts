// One piece of work over a fresh RMCP+ session with a BMC: log in, run it, close the session whatever happened. An
// AbortSignal ends it early (a caller's timeout): the client closes, so what waits on it fails with IpmiClosedError.
import { closeQuietly } from './hpm-session.js';
import { IpmiLanClient, type IpmiClientOptions } from './ipmi-client.js';
import { IpmiClosedError } from './ipmi-errors.js';

export async function withBmcSession<T>(o: IpmiClientOptions, work: (client: IpmiLanClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) throw new IpmiClosedError('RMCP+ session setup', o.host);
  const client = await IpmiLanClient.connect(o);
  const abort = () => { void closeQuietly(client); };
  signal?.addEventListener('abort', abort, { once: true });
  try {
    if (signal?.aborted) throw new IpmiClosedError('RMCP+ session setup', o.host);
    return await work(client);
  } finally {
    signal?.removeEventListener('abort', abort);
    await closeQuietly(client);
  }
}
