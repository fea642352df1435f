// Writes and reads a host's iSCSI boot parameters on its BMC over an open session: System Boot Options OEM
// parameters 100-109 (protocols/ipmi/commands/iscsi-boot-parameters.ts; IPMI 2.0 §28.12/§28.13). A write is
// bracketed by parameter 0 (set in progress, then commit write and set complete) so a reader never sees half a
// configuration. The CHAP secret is write-only: a read returns it as "".
import { GetSystemBootOptions, SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { SetInProgress } from '../../protocols/ipmi/commands/config-parameters.js';
import {
  ISCSI_STRING_BLOCKS, ISCSI_STRING_PARAMS, IscsiBootParam, StringAssembler, iscsiBootWrites, isnsServerOf, type IscsiBootConfig, type IscsiStringKind,
} from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import type { IpmiLanClient } from './ipmi-client.js';

export type { IscsiBootConfig } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';

const setInProgress = (client: IpmiLanClient, state: number) =>
  client.call(SetSystemBootOptions, { locked: false, parameter: { kind: 'set-in-progress', state } });

/** Sets every parameter of `config`; throws what the client throws (CompletionCodeError 81h: another writer is mid-update). */
export async function writeIscsiBoot(client: IpmiLanClient, config: IscsiBootConfig): Promise<void> {
  const writes = iscsiBootWrites(config); // a bad value throws before anything is sent
  await setInProgress(client, SetInProgress.IN_PROGRESS);
  try {
    for (const parameter of writes) await client.call(SetSystemBootOptions, { locked: false, parameter });
    await setInProgress(client, SetInProgress.COMMIT_WRITE);
  } finally {
    await setInProgress(client, SetInProgress.COMPLETE);
  }
}

async function get(client: IpmiLanClient, param: number, setSelector = 0) {
  return (await client.call(GetSystemBootOptions, { param, setSelector, blockSelector: 0 })).parameter;
}

async function readString(client: IpmiLanClient, kind: IscsiStringKind): Promise<string> {
  const text = new StringAssembler();
  for (let block = 0; block < ISCSI_STRING_BLOCKS; block++) {
    const p = await get(client, ISCSI_STRING_PARAMS[kind], block);
    if (p.kind !== kind || !text.add(p.data)) break;
  }
  return text.value;
}

/** What the BMC holds; the CHAP secret reads as "" (write-only); `isns` is left out when 102 names no server. */
export async function readIscsiBoot(client: IpmiLanClient): Promise<IscsiBootConfig> {
  const initiatorName = await readString(client, 'iscsi-initiator-name');
  const initiator = await get(client, IscsiBootParam.INITIATOR_ADDRESS);
  const isnsServer = await get(client, IscsiBootParam.ISNS_SERVER);
  const targetName = await readString(client, 'iscsi-target-name');
  const portal = await get(client, IscsiBootParam.TARGET_PORTAL);
  const lun = await get(client, IscsiBootParam.TARGET_LUN);
  const chapName = await readString(client, 'iscsi-chap-name');
  const chapSecret = await readString(client, 'iscsi-chap-secret');
  if (initiator.kind !== 'iscsi-initiator-address' || portal.kind !== 'iscsi-target-portal' || lun.kind !== 'iscsi-target-lun'
    || isnsServer.kind !== 'iscsi-isns-server') {
    throw new Error('the BMC answered another parameter than the one asked for');
  }
  const isns = isnsServerOf(isnsServer);
  return {
    initiatorName, initiator: { address: initiator.address, netmask: initiator.netmask, gateway: initiator.gateway }, ...(isns ? { isns } : {}),
    targetName, portal: { address: portal.address, port: portal.port }, lun: lun.lun, chapName, chapSecret,
  };
}
