// SOL configuration commands (netFn 0Ch) — IPMI 2.0 §26.2 Set SOL Configuration Parameters, §26.3 Get SOL
// Configuration Parameters, on the definitions in protocols/ipmi/commands/sol-config.ts. Values live in the model's
// SolConfig.
import { GetSolConfigurationParameters, SetSolConfigurationParameters, SolParameters } from '../../../protocols/ipmi/commands/sol-config.js';
import { CompletionCode, ConfigParameterCC } from '../../../protocols/ipmi/completion-codes.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { SolBitRate, SolParameter, type SolParameterValue } from '../../../protocols/sol/config-parameters.js';
import { writeSetInProgress } from '../lan-config.js';
import type { SolConfig } from '../sol-config.js';
import { handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

/** Parameter revision: present revision 1, oldest compatible revision 1. */
const PARAMETER_REVISION = 0x11;

const VALID_BIT_RATES = new Set<number>(Object.values(SolBitRate));
/** Parameter 2 [3:0]: user, operator, administrator, OEM. */
const VALID_PRIVILEGES = new Set<number>([Privilege.USER, Privilege.OPERATOR, Privilege.ADMINISTRATOR, Privilege.OEM]);
/** Parameters 7 and 8 follow the LAN channel and its socket. */
const READ_ONLY = new Set<number>([SolParameter.PAYLOAD_CHANNEL, SolParameter.PAYLOAD_PORT]);

/** The current value of parameter `n` (0-8). */
function readParameter(sol: SolConfig, n: number): SolParameterValue {
  switch (n) {
    case 0: return { parameter: 0, setInProgress: sol.setInProgress };
    case 1: return { parameter: 1, enabled: sol.enabled };
    case 2: return { parameter: 2, forceEncryption: sol.forceEncryption, forceAuthentication: sol.forceAuthentication, privilege: sol.privilege };
    case 3: return { parameter: 3, accumulateInterval: sol.accumulateInterval, sendThreshold: sol.sendThreshold };
    case 4: return { parameter: 4, retryCount: sol.retryCount, retryInterval: sol.retryInterval };
    case 5: return { parameter: 5, bitRate: sol.nonVolatileBitRate };
    case 6: return { parameter: 6, bitRate: sol.volatileBitRate };
    case 7: return { parameter: 7, channel: sol.channel };
    default: return { parameter: 8, port: sol.port };
  }
}

/** Checks and stores a written value; returns the completion code to answer with. */
function writeParameter(sol: SolConfig, v: SolParameterValue, now: number): number {
  switch (v.parameter) {
    case 0: {
      const next = writeSetInProgress(sol.setInProgress, v.setInProgress);
      if (next === 'reserved') return CompletionCode.INVALID_DATA_FIELD;
      if (next === 'locked') return ConfigParameterCC.SET_IN_PROGRESS_ACTIVE;
      sol.setInProgress = next;
      return CompletionCode.OK;
    }
    case 1:
      sol.enabled = v.enabled;
      // Disabling SOL ends the instances running now.
      if (!v.enabled) for (const a of sol.activeInstances()) sol.deactivate(a.instance, null, now);
      return CompletionCode.OK;
    case 2:
      if (!VALID_PRIVILEGES.has(v.privilege)) return CompletionCode.INVALID_DATA_FIELD;
      sol.forceEncryption = v.forceEncryption;
      sol.forceAuthentication = v.forceAuthentication;
      sol.privilege = v.privilege;
      return CompletionCode.OK;
    case 3:
      if (v.accumulateInterval === 0) return CompletionCode.INVALID_DATA_FIELD; // 1-based, 00h reserved
      sol.accumulateInterval = v.accumulateInterval;
      sol.sendThreshold = v.sendThreshold;
      return CompletionCode.OK;
    case 4:
      sol.retryCount = v.retryCount;
      sol.retryInterval = v.retryInterval;
      return CompletionCode.OK;
    case 5:
    case 6:
      if (!VALID_BIT_RATES.has(v.bitRate)) return CompletionCode.INVALID_DATA_FIELD;
      if (v.parameter === 5) sol.nonVolatileBitRate = v.bitRate;
      else sol.volatileBitRate = v.bitRate;
      return CompletionCode.OK;
    default:
      return ConfigParameterCC.READ_ONLY;
  }
}

export const solCommands: readonly CommandSpec[] = [
  handler(GetSolConfigurationParameters, (r, ctx) => {
    if (ctx.model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!SolParameters.knows(r.parameter)) return refuse(ConfigParameterCC.PARAMETER_NOT_SUPPORTED);
    if (r.revisionOnly) return { revision: PARAMETER_REVISION };
    return { revision: PARAMETER_REVISION, value: readParameter(ctx.model.sol, r.parameter) };
  }),
  handler(SetSolConfigurationParameters, (r, ctx) => {
    const model = ctx.model;
    if (model.resolveChannel(r.channel) === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (!SolParameters.knows(r.parameter)) return refuse(ConfigParameterCC.PARAMETER_NOT_SUPPORTED);
    if (READ_ONLY.has(r.parameter)) return refuse(ConfigParameterCC.READ_ONLY);
    const cc = writeParameter(model.sol, SolParameters.decode(r.parameter, r.data), ctx.now); // wrong length: C7h
    if (cc !== CompletionCode.OK) return refuse(cc);
    model.sol.emit({ kind: 'parameter', parameter: r.parameter }, ctx.now);
  }),
];
