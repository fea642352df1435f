// LAN configuration commands (netFn 0Ch) — IPMI 2.0 §23.1 Set, §23.2 Get LAN Configuration Parameters, on the
// definitions in protocols/ipmi/commands/lan-config.ts (Table 23-4). Values live in the model's LanConfig.
import { SUPPORTED_V15_AUTH_TYPES } from '../../../protocols/ipmi/auth-v15.js';
import {
  CIPHER_SUITE_ENTRIES, GetLanConfigurationParameters, IpAddressSource, LanParameters, SetLanConfigurationParameters,
  type LanParameterValue,
} from '../../../protocols/ipmi/commands/lan-config.js';
import { CompletionCode, ConfigParameterCC } from '../../../protocols/ipmi/completion-codes.js';
import { formatMac, parseMac } from '../../../protocols/ipmi/mac.js';
import { writeSetInProgress } from '../lan-config.js';
import type { BmcModel } from '../model.js';
import { handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

/** Parameter revision: present revision 1, oldest compatible revision 1. */
const PARAMETER_REVISION = 0x11;
const MAX_VLAN_ID = 4094;
/** Parameters 1, 22 and 23 describe the BMC; the rest of Table 23-4 that it supports is writable. */
const READ_ONLY = new Set<number>([1, 22, 23]);

const SUPPORTED_AUTH_MASK = SUPPORTED_V15_AUTH_TYPES.reduce<number>((mask, t) => mask | (1 << t), 0);

/** The current value of a parameter the codec knows. */
function readParameter(m: BmcModel, parameter: number): LanParameterValue {
  const lan = m.lan;
  switch (parameter) {
    case 0: return { parameter, setInProgress: lan.setInProgress };
    case 1: return { parameter, authTypes: SUPPORTED_AUTH_MASK };
    case 2: {
      const [callback, user, operator, administrator, oem] = lan.authTypeEnables;
      return { parameter, callback, user, operator, administrator, oem };
    }
    case 3: return { parameter, address: lan.ip };
    case 4: return { parameter, source: lan.ipSource };
    case 5: return { parameter, mac: formatMac(lan.mac) };
    case 6: return { parameter, address: lan.netmask };
    case 7: return LanParameters.decode(parameter, lan.ipHeader); // kept as the bytes written
    case 10: return { parameter, arpResponses: (lan.arpControl & 0x02) !== 0, gratuitousArps: (lan.arpControl & 0x01) !== 0 };
    case 11: return { parameter, gratuitousArpInterval: lan.gratuitousArpInterval };
    case 12: return { parameter, address: lan.gatewayIp };
    case 13: return { parameter, mac: formatMac(lan.gatewayMac) };
    case 14: return { parameter, address: lan.backupGatewayIp };
    case 15: return { parameter, mac: formatMac(lan.backupGatewayMac) };
    case 16: return { parameter, community: lan.community };
    case 20: return { parameter, vlanEnabled: lan.vlanEnabled, vlanId: lan.vlanId };
    case 21: return { parameter, vlanPriority: lan.vlanPriority };
    case 22: return { parameter, cipherSuiteEntries: Math.min(m.cipherSuites.length, CIPHER_SUITE_ENTRIES) };
    case 23: return { parameter, cipherSuites: m.cipherSuites.slice(0, CIPHER_SUITE_ENTRIES) };
    case 24: return { parameter, privileges: lan.cipherSuitePrivileges };
    default: return LanParameters.decode(26, lan.badPasswordThreshold); // kept as the bytes written
  }
}

/** Checks and stores a written value (never a read-only one); returns the completion code to answer with. */
function writeParameter(m: BmcModel, v: LanParameterValue): number {
  const lan = m.lan;
  switch (v.parameter) {
    case 0: {
      const next = writeSetInProgress(lan.setInProgress, v.setInProgress);
      if (next === 'reserved') return CompletionCode.INVALID_DATA_FIELD;
      if (next === 'locked') return ConfigParameterCC.SET_IN_PROGRESS_ACTIVE;
      lan.setInProgress = next;
      break;
    }
    case 2: {
      const masks = [v.callback, v.user, v.operator, v.administrator, v.oem];
      if (masks.some((b) => (b & ~SUPPORTED_AUTH_MASK) !== 0)) return CompletionCode.INVALID_DATA_FIELD;
      lan.authTypeEnables.set(masks);
      const union = v.callback | v.user | v.operator | v.administrator;
      m.v15AuthTypes = SUPPORTED_V15_AUTH_TYPES.filter((t) => union & (1 << t));
      break;
    }
    case 3: lan.ip = v.address; break;
    case 4:
      if (v.source > IpAddressSource.OTHER) return CompletionCode.INVALID_DATA_FIELD;
      lan.ipSource = v.source;
      break;
    case 5: lan.mac = parseMac(v.mac); break;
    case 6: lan.netmask = v.address; break;
    case 7: lan.ipHeader.set(LanParameters.encode(v)); break;
    case 10: lan.arpControl = (v.arpResponses ? 0x02 : 0) | (v.gratuitousArps ? 0x01 : 0); break;
    case 11: lan.gratuitousArpInterval = v.gratuitousArpInterval; break;
    case 12: lan.gatewayIp = v.address; break;
    case 13: lan.gatewayMac = parseMac(v.mac); break;
    case 14: lan.backupGatewayIp = v.address; break;
    case 15: lan.backupGatewayMac = parseMac(v.mac); break;
    case 16: lan.community = v.community; break;
    case 20:
      if (v.vlanEnabled && (v.vlanId === 0 || v.vlanId > MAX_VLAN_ID)) return CompletionCode.INVALID_DATA_FIELD;
      lan.vlanEnabled = v.vlanEnabled;
      lan.vlanId = v.vlanId;
      break;
    case 21: lan.vlanPriority = v.vlanPriority; break;
    case 24: for (let i = 0; i < CIPHER_SUITE_ENTRIES; i++) lan.cipherSuitePrivileges[i] = v.privileges[i]; break;
    case 26: lan.badPasswordThreshold.set(LanParameters.encode(v)); break;
    default: return ConfigParameterCC.READ_ONLY;
  }
  return CompletionCode.OK;
}

export const transportCommands: readonly CommandSpec[] = [
  handler(GetLanConfigurationParameters, (r, ctx) => {
    if (ctx.model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!LanParameters.knows(r.parameter)) return refuse(ConfigParameterCC.PARAMETER_NOT_SUPPORTED);
    if (r.revisionOnly) return { revision: PARAMETER_REVISION };
    return { revision: PARAMETER_REVISION, value: readParameter(ctx.model, r.parameter) };
  }),
  handler(SetLanConfigurationParameters, (r, ctx) => {
    const model = ctx.model;
    if (model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!LanParameters.knows(r.parameter)) return refuse(ConfigParameterCC.PARAMETER_NOT_SUPPORTED);
    if (READ_ONLY.has(r.parameter)) return refuse(ConfigParameterCC.READ_ONLY);
    const cc = writeParameter(model, LanParameters.decode(r.parameter, r.data)); // wrong length: C7h
    if (cc !== CompletionCode.OK) return refuse(cc);
    model.emit({ kind: 'lan', parameter: r.parameter }, ctx.now);
  }),
];
