// The discovery domains of boot requests on the iSNS server (boot-runner.ts's BootDomains): one DD per host, named
// after its BMC (boot-target.ts ddNameFor), holding its boot target and its initiator alone, so the target shows
// itself to that host only (RFC 4171 §2.2.2). A DD is found again by its name, so a DDReg repeated after a restart
// changes the DD the first one made instead of making a second.
import { IsnsStatusError, type DdInfo, type IsnsClient } from '../../clients/isns/isns-client.js';
import { Status } from '../../protocols/isns/status.js';
import type { BootDomains } from './boot-runner.js';

export class IsnsBootDomains implements BootDomains {
  private readonly client: () => IsnsClient;

  /** `client`: the inventory's connection as it is now (it is replaced when the server restarts). */
  constructor(client: () => IsnsClient) {
    this.client = client;
  }

  async ensure(name: string, members: readonly string[], knownId: number | null): Promise<number> {
    const c = this.client();
    const dd = await this.find(c, name, knownId);
    if (dd === null) return (await c.ddRegister({ name, members: [...members] })).id;
    const extra = dd.members.filter((m) => !members.includes(m));
    if (extra.length > 0) await c.ddDeregister(dd.id, extra); // an earlier pick's target
    const missing = members.filter((m) => !dd.members.includes(m));
    if (missing.length > 0) await c.ddRegister({ id: dd.id, members: missing });
    return dd.id;
  }

  async remove(name: string, knownId: number | null): Promise<void> {
    const c = this.client();
    const dd = await this.find(c, name, knownId);
    if (dd === null) return;
    try {
      await c.ddDeregister(dd.id);
    } catch (err) {
      if (!(err instanceof IsnsStatusError && err.status === Status.NO_SUCH_ENTRY)) throw err;
    }
  }

  /** The DD by its name (an ID alone may have been given to another DD after a server restart). */
  private async find(c: IsnsClient, name: string, knownId: number | null): Promise<DdInfo | null> {
    const dds = await c.listDds();
    return dds.find((d) => d.name === name && (knownId === null || d.id === knownId)) ?? dds.find((d) => d.name === name) ?? null;
  }
}
