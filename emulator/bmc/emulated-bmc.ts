// One emulated BMC: its device model, its command table and its LAN channel, glued per datagram.
import { randomBytes } from 'node:crypto';
import { BmcLanChannel, type Peer } from '../../protocols/ipmi/bmc-side/lan-channel.js';
import { responseTo } from '../../protocols/ipmi/message.js';
import { AuthType } from '../../protocols/ipmi/session-v15.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { systemClock, type Clock } from '../clock.js';
import type { DatagramHandler } from '../net/udp-endpoint.js';
import { createCommandTable, type CommandTable } from './commands/index.js';
import type { SessionsView, SessionView } from './commands/types.js';
import { BmcCounters } from './counters.js';
import { BmcModel, type BmcModelOptions } from './model.js';
import type { BmcSession } from '../../protocols/ipmi/bmc-side/session.js';

export interface EmulatedBmcOptions extends BmcModelOptions {
  /** Allow cipher suite 0 (no authentication): off unless asked for. */
  allowCipherSuite0?: boolean;
  /** IPMI v1.5 auth types enabled on the LAN channel; MD5 only by default. */
  v15AuthTypes?: number[];
  maxSessions?: number;
  sessionIdleTimeoutMs?: number;
  kg?: Buffer | null;
  clock?: Clock;
}

export class EmulatedBmc implements DatagramHandler {
  readonly model: BmcModel;
  readonly channel: BmcLanChannel;
  readonly counters = new BmcCounters();
  private readonly commands: CommandTable;
  private readonly clock: Clock;
  private readonly sessionsView: SessionsView;

  constructor(opts: EmulatedBmcOptions) {
    this.model = new BmcModel(opts);
    this.commands = createCommandTable(this.model);
    this.clock = opts.clock ?? systemClock;
    this.channel = new BmcLanChannel({
      channel: 1,
      guid: this.model.guid,
      users: this.model.users,
      cipherSuites: this.model.cipherSuites,
      allowCipherSuite0: opts.allowCipherSuite0 ?? false,
      v15AuthTypes: opts.v15AuthTypes ?? [AuthType.MD5],
      kg: opts.kg ?? null,
      maxPrivilege: Privilege.ADMINISTRATOR,
      limits: { maxSessions: opts.maxSessions ?? 32, idleTimeoutMs: opts.sessionIdleTimeoutMs ?? 60_000, setupTimeoutMs: 10_000 },
      random: randomBytes,
    });
    const table = this.channel.sessions;
    this.sessionsView = { list: () => table.active().map(view), capacity: table.limits.maxSessions };
  }

  handle(datagram: Buffer, peer: Peer): Buffer | null {
    this.counters.datagramsIn++;
    const out = this.channel.receive(datagram, peer, this.clock.now());
    let answer: Buffer | null = null;
    if (out.kind === 'drop') {
      this.counters.countDrop(out.reason);
    } else if (out.kind === 'reply') {
      answer = out.datagram;
    } else {
      const req = out.request;
      const result = this.commands.dispatch(req, { session: view(out.session), sessions: this.sessionsView, now: this.clock.now() });
      this.counters.countRequest(req.netFn, req.cmd, result.cc);
      answer = this.channel.respond(out.session, responseTo(req, result.cc, result.data));
    }
    if (answer) this.counters.datagramsOut++;
    return answer;
  }
}

function view(s: BmcSession): SessionView {
  return {
    id: s.bmcId, handle: s.handle, userId: s.userId, privilege: s.privilege, channel: 1, protocol: s.protocol,
    remoteAddress: s.remoteAddress, remotePort: s.remotePort,
  };
}
