// Set/Get SOL Configuration Parameters (netFn Transport 0Ch, cmds 21h/22h) — IPMI 2.0 §26.2, §26.3: the layout of
// config-parameters.ts with the SOL parameter table, Table 26-5 (values in protocols/sol/config-parameters.ts).
import { SolParameters } from '../../sol/config-parameters.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { getParametersCommand, setParametersCommand } from './config-parameters.js';

export { SolParameters };

export const SetSolConfigurationParameters = setParametersCommand({
  name: 'Set SOL Configuration Parameters', netFn: NetFn.TRANSPORT, cmd: 0x21, privilege: Privilege.ADMINISTRATOR,
});

export const GetSolConfigurationParameters = getParametersCommand({
  name: 'Get SOL Configuration Parameters', netFn: NetFn.TRANSPORT, cmd: 0x22, privilege: Privilege.USER,
}, SolParameters);
