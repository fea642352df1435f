// Which initiators may log in to an emulated target: those its iSNS server shows it, as the target in the
// original boot sequence does. A DevAttrQry for iSCSI nodes of type initiator, asked as the target (the Source),
// returns exactly the initiators that share an enabled discovery domain with it (RFC 4171 §2.2.2, §5.6.5.2; with
// a default DD on, those in no DD too). The list is fetched at start and again after each SCN the target gets
// (a DD or node change, RFC 4171 §5.6.5.12); SCNs that arrive during a fetch make one more fetch after it.
import type { NodeInfo } from '../../clients/isns/isns-client.js';

export class InitiatorAcl {
  /** Fetches that failed (the server unreachable...): the last list stays. */
  failures = 0;
  refreshes = 0;
  private allowed: ReadonlySet<string> = new Set();
  private readonly fetch: () => Promise<NodeInfo[]>;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(fetch: () => Promise<NodeInfo[]>) {
    this.fetch = fetch;
  }

  allows(initiator: string): boolean {
    return this.allowed.has(initiator);
  }

  get names(): string[] {
    return [...this.allowed].sort();
  }

  /** Fetches the list again; resolves when the list is current as of this call. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          this.allowed = new Set((await this.fetch()).map((n) => n.name));
          this.refreshes++;
        } catch {
          this.failures++;
        }
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }
}
