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

/**
 * One RMCP+ session with a BMC kept for the calls that follow (a boot's or an install's BMC side): opened when first
 * needed, and again after any failure (the BMC may have dropped it while its host rebooted).
 */
export class KeptBmcSession {
  private readonly login: IpmiClientOptions;
  private client: Promise<IpmiLanClient> | null = null;

  constructor(login: IpmiClientOptions) {
    this.login = login;
  }

  /** Runs `work` on the session; a failure closes it, so the next call opens a new one. */
  async with<T>(work: (client: IpmiLanClient) => Promise<T>): Promise<T> {
    this.client ??= IpmiLanClient.connect(this.login);
    const client = this.client;
    try {
      return await work(await client);
    } catch (err) {
      if (this.client === client) this.close();
      throw err;
    }
  }

  close(): void {
    const client = this.client;
    this.client = null;
    void client?.then((c) => c.close(), () => {});
  }
}
