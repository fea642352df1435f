// A BMC model and its command table, driven with IpmiRequest objects as the session layer would.
import { createCommandTable, type CommandTable, type CommandTableOptions } from '../../emulator/bmc/commands/index.js';
import type { CommandResult, SessionView } from '../../emulator/bmc/commands/types.js';
import { BmcModel, type BmcModelOptions } from '../../emulator/bmc/model.js';
import type { BmcEvent } from '../../emulator/bmc/events.js';
import type { IpmiRequest } from '../../protocols/ipmi/message.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { Privilege } from '../../protocols/ipmi/users.js';

export interface Fixture {
  model: BmcModel;
  table: CommandTable;
  /** The session requests arrive in; tests may change its fields. */
  session: SessionView;
  /** What Get Session Info sees as active sessions. */
  active: SessionView[];
  capacity: number;
  /** The BMC clock, in ms. */
  now: number;
  events: BmcEvent[];
  send(netFn: number, cmd: number, data?: number[] | Uint8Array): CommandResult;
}

export function request(netFn: number, cmd: number, data: number[] | Uint8Array = []): IpmiRequest {
  return { rsAddr: 0x20, netFn, rsLun: 0, rqAddr: 0x81, rqSeq: 1, rqLun: 0, cmd, data: Uint8Array.from(data) };
}

export function fixture(model: Partial<BmcModelOptions> = {}, tableOptions: CommandTableOptions = {}): Fixture {
  const bmc = new BmcModel({ ip: '10.1.2.3', now: 0, ...model });
  const session: SessionView = {
    id: 0x11223344, handle: 3, userId: 2, privilege: Privilege.ADMINISTRATOR, channel: 1, protocol: 'v2.0',
    remoteAddress: '192.168.7.9', remotePort: 0xc351,
  };
  const f: Fixture = {
    model: bmc,
    table: createCommandTable(tableOptions),
    session,
    active: [session],
    capacity: 8,
    now: 1_000,
    events: [],
    send(netFn, cmd, data = []) {
      return f.table.dispatch(request(netFn, cmd, data), {
        model: f.model,
        session: f.session,
        sessions: { list: () => f.active, capacity: f.capacity },
        now: f.now,
      });
    },
  };
  bmc.onChange((e) => f.events.push(e));
  return f;
}

/** The response data as an array of numbers, for t.same(). */
export function bytes(result: CommandResult): number[] {
  return [...(result.data ?? [])];
}

/** Pads ASCII text with NULs to `size` bytes. */
export function padded(text: string, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < text.length && i < size; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Runs `def` through the fixture's handlers as a client would: the decoded response, or the completion code. */
export function tryCommand<Req, Res>(f: Fixture, def: IpmiCommand<Req, Res>, req: Req): Res | { cc: number } {
  const r = f.send(def.netFn, def.cmd, def.encodeRequest(req));
  return r.cc === 0 ? def.decodeResponse(r.data ?? new Uint8Array(0), req) : { cc: r.cc };
}

/** Like tryCommand, but a completion code other than 00h throws (an Error carrying `cc`). */
export function callCommand<Req, Res>(f: Fixture, def: IpmiCommand<Req, Res>, req: Req): Res {
  const r = f.send(def.netFn, def.cmd, def.encodeRequest(req));
  if (r.cc !== 0) throw Object.assign(new Error(`${def.name}: completion code 0x${r.cc.toString(16)}`), { cc: r.cc });
  return def.decodeResponse(r.data ?? new Uint8Array(0), req);
}
