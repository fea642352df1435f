// Commands a BMC answers outside a session (IPMI 2.0 §6.12.1): Get Channel Authentication Capabilities (§22.13),
// Get Channel Cipher Suites (§22.15) and Get Session Challenge (§22.16).
import { CompletionCode } from '../completion-codes.js';
import { cipherSuiteRecords } from '../cipher-suites.js';
import {
  CIPHER_SUITE_CHUNK, CURRENT_CHANNEL, SessionChallengeCC, SessionCommand,
  decodeAuthCapsRequest, decodeCipherSuitesRequest, decodeSessionChallengeRequest,
  encodeAuthCapsResponse, encodeSessionChallengeResponse,
} from '../commands/session-setup.js';
import { NetFn, type IpmiRequest } from '../message.js';
import { ReplayWindow } from '../replay-window.js';
import { Privilege, mayLogIn } from '../users.js';
import type { BmcChannelConfig } from './channel-config.js';
import type { SessionTable } from './session-table.js';

export interface CommandAnswer { cc: number; data?: Uint8Array }

const EMPTY = new Uint8Array(0);

export function isSessionlessCommand(req: IpmiRequest): boolean {
  return req.netFn === NetFn.APP && (req.cmd === SessionCommand.GET_CHANNEL_AUTH_CAPABILITIES ||
    req.cmd === SessionCommand.GET_CHANNEL_CIPHER_SUITES || req.cmd === SessionCommand.GET_SESSION_CHALLENGE);
}

function channelMatches(cfg: BmcChannelConfig, channel: number): boolean {
  return channel === CURRENT_CHANNEL || channel === cfg.channel;
}

export function getChannelAuthCapabilities(cfg: BmcChannelConfig, req: IpmiRequest): CommandAnswer {
  const r = decodeAuthCapsRequest(req.data);
  if (!channelMatches(cfg, r.channel) || r.privilege < Privilege.CALLBACK || r.privilege > Privilege.OEM) {
    return { cc: CompletionCode.INVALID_DATA_FIELD };
  }
  let mask = 0;
  for (const t of cfg.v15AuthTypes) mask |= 1 << t;
  const nullUser = cfg.users.byId(1);
  return {
    cc: CompletionCode.OK,
    data: encodeAuthCapsResponse({
      channel: cfg.channel, authTypes: mask, extended: r.extended,
      kgNonZero: cfg.kg !== null && cfg.kg.some((b) => b !== 0),
      perMessageAuthDisabled: false, userLevelAuthDisabled: false,
      nonNullUsers: true, nullUsers: !!nullUser && nullUser.enabled && nullUser.name === '', anonymousLogin: false,
      supportsV15: cfg.v15AuthTypes.length > 0, supportsV20: true, oemId: 0, oemAux: 0,
    }),
  };
}

export function getChannelCipherSuites(cfg: BmcChannelConfig, req: IpmiRequest): CommandAnswer {
  const r = decodeCipherSuitesRequest(req.data);
  if (!channelMatches(cfg, r.channel)) return { cc: CompletionCode.INVALID_DATA_FIELD };
  const ids = cfg.cipherSuites.filter((id) => id !== 0 || cfg.allowCipherSuite0);
  const records = r.listBySuite ? cipherSuiteRecords(ids) : supportedAlgorithms(ids);
  const start = r.index * CIPHER_SUITE_CHUNK;
  const chunk = records.subarray(Math.min(start, records.length), Math.min(start + CIPHER_SUITE_CHUNK, records.length));
  return { cc: CompletionCode.OK, data: Buffer.concat([Buffer.from([cfg.channel]), chunk]) };
}

/** "List supported algorithms" form (§22.15 byte 3 bit 7 = 0): each algorithm byte once. */
function supportedAlgorithms(ids: readonly number[]): Buffer {
  const records = cipherSuiteRecords(ids);
  const seen = new Set<number>();
  for (let i = 0; i < records.length; i += 5) for (let j = 2; j < 5; j++) seen.add(records[i + j]);
  return Buffer.from([...seen]);
}

export function getSessionChallenge(cfg: BmcChannelConfig, sessions: SessionTable, req: IpmiRequest,
  peer: { address: string; port: number }, now: number): CommandAnswer {
  const r = decodeSessionChallengeRequest(req.data);
  if (!cfg.v15AuthTypes.includes(r.authType)) return { cc: CompletionCode.INVALID_DATA_FIELD };
  const user = cfg.users.byName(r.username);
  if (!mayLogIn(user)) {
    return { cc: r.username === '' ? SessionChallengeCC.NULL_USER_NAME_DISABLED : SessionChallengeCC.INVALID_USER_NAME };
  }
  const challenge = cfg.random(16);
  const session = sessions.add({
    state: 'challenged', protocol: 'v1.5', consoleId: 0, remoteAddress: peer.address, remotePort: peer.port,
    lastActivity: now, maxPrivilege: 0, privilege: 0, userId: user.id, username: Buffer.from(user.name, 'latin1'),
    password: user.password, outboundSeq: 0, authType: r.authType, challenge, inbound: new ReplayWindow(),
  }, now);
  if (!session) return { cc: CompletionCode.OUT_OF_SPACE };
  return { cc: CompletionCode.OK, data: encodeSessionChallengeResponse({ tempSessionId: session.bmcId, challenge }) };
}

export function answerSessionless(cfg: BmcChannelConfig, sessions: SessionTable, req: IpmiRequest,
  peer: { address: string; port: number }, now: number): CommandAnswer {
  switch (req.cmd) {
    case SessionCommand.GET_CHANNEL_AUTH_CAPABILITIES: return getChannelAuthCapabilities(cfg, req);
    case SessionCommand.GET_CHANNEL_CIPHER_SUITES: return getChannelCipherSuites(cfg, req);
    case SessionCommand.GET_SESSION_CHALLENGE: return getSessionChallenge(cfg, sessions, req, peer, now);
    default: return { cc: CompletionCode.INVALID_COMMAND, data: EMPTY };
  }
}
