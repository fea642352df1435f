// What one BMC's USB/IP export counts (and, as a parent, a shard's totals): connections, requests, URBs, and every
// connection dropped or request refused by reason, so a test or the control API can see bad input was answered.

export class UsbipCounters {
  connectionsAccepted = 0;
  connectionsOpen = 0;
  /** OP_REQ_DEVLIST answered. */
  devlists = 0;
  /** OP_REQ_IMPORT granted. */
  imports = 0;
  /** CMD_SUBMIT answered or unlinked; CMD_UNLINK answered. */
  urbs = 0;
  unlinks = 0;
  /**
   * By reason: `malformed:ERR_...` (a DecodeError: the connection was closed), `import-no-device`, `import-busy`,
   * `wrong-devid`, `too-many-urbs`, `connections-full`, `op-timeout`, `iso-refused`, `no-endpoint`, `socket-error`.
   */
  readonly drops = new Map<string, number>();
  private readonly parent: UsbipCounters | null;

  constructor(parent: UsbipCounters | null = null) {
    this.parent = parent;
  }

  count(field: 'connectionsAccepted' | 'devlists' | 'imports' | 'urbs' | 'unlinks'): void {
    this[field]++;
    this.parent?.count(field);
  }

  open(delta: 1 | -1): void {
    this.connectionsOpen += delta;
    this.parent?.open(delta);
  }

  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.parent?.drop(reason);
  }

  /** Plain data, for JSON and for crossing to another process. */
  snapshot(): UsbipCountersSnapshot {
    return {
      connectionsAccepted: this.connectionsAccepted, connectionsOpen: this.connectionsOpen, devlists: this.devlists,
      imports: this.imports, urbs: this.urbs, unlinks: this.unlinks, drops: Object.fromEntries(this.drops),
    };
  }
}

export interface UsbipCountersSnapshot {
  connectionsAccepted: number;
  connectionsOpen: number;
  devlists: number;
  imports: number;
  urbs: number;
  unlinks: number;
  drops: Record<string, number>;
}
