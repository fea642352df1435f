// The contract between the BMC's session layer and its command handlers.
import type { IpmiRequest } from '../../../protocols/ipmi/message.js';
import type { BmcModel } from '../model.js';

/** What a handler may know about the session a request arrived in. */
export interface SessionView {
  /** BMC-side session ID. */
  id: number;
  /** Session handle as reported by Get Session Info (1..255). */
  handle: number;
  userId: number;
  /** Current operating privilege level. */
  privilege: number;
  channel: number;
  protocol: 'v1.5' | 'v2.0';
  remoteAddress: string;
  remotePort: number;
  /** The session negotiated confidentiality (RMCP+ AES): its payloads, SOL included, travel encrypted (§24.1). */
  encrypted?: boolean;
}

export interface SessionsView {
  /** Sessions currently active, in handle order. */
  list(): SessionView[];
  /** Size of the session table. */
  capacity: number;
}

export interface CommandContext {
  /** The BMC the request is for: the command specs are shared by every BMC of the process. */
  model: BmcModel;
  session: SessionView;
  sessions: SessionsView;
  /** Milliseconds, from the BMC's clock. */
  now: number;
  /** When the request's datagram arrived (BMC clock); earlier than `now` when it waited in a busy BMC's queue. */
  receivedAt?: number;
}

export interface CommandResult {
  cc: number;
  data?: Uint8Array;
}

export type CommandHandler = (req: IpmiRequest, ctx: CommandContext) => CommandResult;

export interface CommandSpec {
  netFn: number;
  cmd: number;
  name: string;
  /** Lowest session privilege that may run the command (IPMI 2.0 Appendix G). */
  privilege: number;
  handle: CommandHandler;
}
