// The discovery domains of boot requests on the iSNS server (boot-runner.ts's BootDomains): one DD per host, named
// after its BMC (boot-target.ts ddNameFor), holding its boot target and its initiator alone, so the target shows
// itself to that host only (RFC 4171 §2.2.2). A DD is found again by its name, so a DDReg repeated after a restart
// changes the DD the first one made instead of making a second.
// The DDs are listed once per server connection (DevGetNext over DD_ID costs a round trip per DD) and kept in an
// index the manager updates as it registers and deregisters: a request costs its own DDReg, not a walk of every DD.
// A connection replaced after a server restart gets a fresh listing; so does an operation the server refuses (the
// DD was changed behind the manager's back), which is then tried once more.
import { IsnsStatusError, type DdInfo, type IsnsClient } from '../../clients/isns/isns-client.js';
import { Status } from '../../protocols/isns/status.js';
import type { BootDomains } from './boot-runner.js';

interface DdIndex { client: IsnsClient; byName: Promise<Map<string, DdInfo>> }

export class IsnsBootDomains implements BootDomains {
  private readonly client: () => IsnsClient;
  private index: DdIndex | null = null;

  /** `client`: the inventory's connection as it is now (it is replaced when the server restarts). */
  constructor(client: () => IsnsClient) {
    this.client = client;
  }

  async ensure(name: string, members: readonly string[]): Promise<number> {
    return this.withIndex(async (c, dds) => {
      const dd = dds.get(name); // by name: an ID alone may have been given to another DD after a server restart
      if (dd === undefined) {
        const made = await c.ddRegister({ name, members: [...members] });
        dds.set(name, { id: made.id, name, members: [...members] });
        return made.id;
      }
      const extra = dd.members.filter((m) => !members.includes(m));
      if (extra.length > 0) await c.ddDeregister(dd.id, extra); // an earlier pick's target
      const missing = members.filter((m) => !dd.members.includes(m));
      if (missing.length > 0) await c.ddRegister({ id: dd.id, members: missing });
      dds.set(name, { id: dd.id, name, members: [...members] });
      return dd.id;
    });
  }

  async remove(name: string): Promise<void> {
    await this.withIndex(async (c, dds) => {
      const dd = dds.get(name);
      if (dd === undefined) return;
      try {
        await c.ddDeregister(dd.id);
      } catch (err) {
        if (!(err instanceof IsnsStatusError && err.status === Status.NO_SUCH_ENTRY)) throw err;
      }
      dds.delete(name);
    });
  }

  /** Runs `work` on the current connection's index; a refusal drops the index and `work` runs once more on a fresh one. */
  private async withIndex<T>(work: (c: IsnsClient, dds: Map<string, DdInfo>) => Promise<T>): Promise<T> {
    const c = this.client();
    try {
      return await work(c, await this.indexFor(c));
    } catch (err) {
      if (!(err instanceof IsnsStatusError)) throw err;
      this.index = null;
      return work(c, await this.indexFor(c));
    }
  }

  /** The DDs by name, listed once for `c` (named DDs only: the default DD and an operator's unnamed ones are not ours). */
  private indexFor(c: IsnsClient): Promise<Map<string, DdInfo>> {
    if (this.index?.client !== c) {
      const byName = c.listDds().then((dds) => new Map(dds.filter((d) => d.name !== undefined).map((d) => [d.name!, d])));
      byName.catch(() => { if (this.index?.byName === byName) this.index = null; }); // a failed listing is not kept
      this.index = { client: c, byName };
    }
    return this.index.byName;
  }
}
