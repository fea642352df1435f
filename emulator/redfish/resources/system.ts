// Systems/1, the host behind the BMC (ComputerSystem.v1_16_0): its power on the same chassis as IPMI's Chassis Control
// (a ForceOff here shows in `ipmitool chassis power status`), the Reset action, the boot override on IPMI's boot flags
// (PATCH with If-Match: 412 when the ETag changed), and summaries of the hardware template the OEM inventory command
// and FRU read.
import { BootParam } from '../../../protocols/ipmi/commands/boot-options.js';
import { ChassisAction } from '../../../protocols/ipmi/commands/chassis.js';
import { formatGuid } from '../../../protocols/ipmi/commands/device.js';
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { LAN_CHANNEL } from '../../bmc/model.js';
import { controlPower } from '../../bmc/power.js';
import { BOOT_TARGETS, BOOT_ENABLED, BOOT_MODES, readBoot, writeBoot } from '../boot-override.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { checkIfMatch, etagOf } from '../etag.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, NO_CONTENT, ok, okKept, type RedfishAnswer, type Route, type RouteContext } from '../route.js';

export const SYSTEM = '/redfish/v1/Systems/1';
const RESET_TARGET = `${SYSTEM}/Actions/ComputerSystem.Reset`;

/** Reset types (ComputerSystem.ResetType) and the Chassis Control each is (IPMI 2.0 §28.3); PushPowerButton toggles. */
const RESET_ACTIONS = {
  On: ChassisAction.POWER_UP,
  ForceOn: ChassisAction.POWER_UP,
  ForceOff: ChassisAction.POWER_DOWN,
  GracefulShutdown: ChassisAction.SOFT_SHUTDOWN,
  /** The emulated OS restarts at once, as it shuts down at once. */
  GracefulRestart: ChassisAction.HARD_RESET,
  ForceRestart: ChassisAction.HARD_RESET,
  PowerCycle: ChassisAction.POWER_CYCLE,
  Nmi: ChassisAction.PULSE_DIAGNOSTIC_INTERRUPT,
  PushPowerButton: null,
} as const;
type ResetType = keyof typeof RESET_ACTIONS;

export function systemBody(target: BmcRedfish): object {
  const { model } = target.bmc;
  const hw = model.hardware;
  const cores = hw.cpus.reduce((n, c) => n + c.cores, 0);
  const threads = hw.cpus.reduce((n, c) => n + c.threads, 0);
  return {
    '@odata.id': SYSTEM, '@odata.type': '#ComputerSystem.v1_16_0.ComputerSystem', Id: '1', Name: hw.product,
    SystemType: 'Physical', Manufacturer: hw.vendor, Model: hw.product, SKU: hw.productPartNumber, PartNumber: hw.productPartNumber,
    SerialNumber: hw.serial, AssetTag: hw.assetTag, UUID: formatGuid(model.guid),
    PowerState: model.powerOn ? 'On' : 'Off',
    Status: ENABLED_OK,
    Boot: {
      ...readBoot(target),
      'BootSourceOverrideEnabled@Redfish.AllowableValues': [...BOOT_ENABLED],
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_TARGETS],
      'BootSourceOverrideMode@Redfish.AllowableValues': [...BOOT_MODES],
    },
    ProcessorSummary: {
      Count: hw.cpus.length, CoreCount: cores, LogicalProcessorCount: threads, Model: hw.cpus[0]?.model ?? '', Status: ENABLED_OK,
    },
    MemorySummary: { TotalSystemMemoryGiB: hw.memory.reduce((n, m) => n + m.sizeGiB, 0), Status: ENABLED_OK },
    Processors: link(`${SYSTEM}/Processors`),
    Memory: link(`${SYSTEM}/Memory`),
    Storage: link(`${SYSTEM}/Storage`),
    EthernetInterfaces: link(`${SYSTEM}/EthernetInterfaces`),
    ...(target.media ? { VirtualMedia: link(`${SYSTEM}/VirtualMedia`) } : {}),
    Links: { ManagedBy: [link('/redfish/v1/Managers/1')], Chassis: [link('/redfish/v1/Chassis/1')] },
    Actions: {
      '#ComputerSystem.Reset': { target: RESET_TARGET, 'ResetType@Redfish.AllowableValues': Object.keys(RESET_ACTIONS) },
    },
  };
}

/**
 * What of Systems/1 can change, as one number: power, the UefiHttp reading and the boot flags' bytes (parameter 5,
 * 5 bytes: IPMI 2.0 Table 28-14); the rest (hardware, GUID, virtual media) is fixed for the BMC. Null: flags of
 * another length, never kept.
 */
function systemVersion(target: BmcRedfish): number | null {
  const flags = target.bmc.model.bootOptions.read(BootParam.BOOT_FLAGS, 0);
  if (!flags.ok || flags.data.length > 5) return null;
  let version = (target.bmc.model.powerOn ? 2 : 0) + (target.uefiHttp ? 1 : 0);
  for (const byte of flags.data) version = version * 256 + byte;
  return version;
}

/** 200 with the system and its ETag: serialized once per version of it, then sent as kept. */
function systemAnswer(target: BmcRedfish): RedfishAnswer {
  const version = systemVersion(target);
  let kept = target.systemDocument;
  if (kept === null || version === null || kept.version !== version) {
    const json = JSON.stringify(systemBody(target));
    kept = { version: version ?? -1, json, headers: Object.freeze({ ETag: etagOf(json) }) };
    if (version !== null) target.systemDocument = kept;
  }
  return okKept(kept.json, kept.headers as Record<string, string>);
}

function reset(ctx: RouteContext): void {
  const body = ctx.body;
  const type = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).ResetType : undefined;
  if (type === undefined) throw new RedfishError(400, 'ActionParameterMissing', ['ComputerSystem.Reset', 'ResetType']);
  if (typeof type !== 'string' || !Object.hasOwn(RESET_ACTIONS, type)) { // not `in`: 'constructor' is no reset type
    throw new RedfishError(400, 'ActionParameterValueNotInList', [String(type), 'ResetType', 'ComputerSystem.Reset']);
  }
  const { model } = ctx.target.bmc;
  const action = RESET_ACTIONS[type as ResetType] ?? (model.powerOn ? ChassisAction.SOFT_SHUTDOWN : ChassisAction.POWER_UP);
  const outcome = controlPower(model, action, ctx.now, LAN_CHANNEL);
  ctx.target.changed();
  if (outcome === 'not-in-present-state') throw new RedfishError(409, 'ResourceInUse'); // e.g. ForceRestart of a host that is off
}

export const systemRoutes: readonly Route[] = [
  { method: 'GET', path: '/redfish/v1/Systems', privilege: RedfishPrivilege.Login, handle: () => ok(collection('/redfish/v1/Systems', 'ComputerSystemCollection', 'Computer System Collection', [SYSTEM])) },
  {
    method: 'GET', path: SYSTEM, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => systemAnswer(target),
  },
  {
    method: 'PATCH', path: SYSTEM, privilege: RedfishPrivilege.ConfigureComponents,
    handle: (ctx) => {
      checkIfMatch(ctx, systemAnswer(ctx.target).headers!.ETag);
      const body = ctx.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RedfishError(400, 'MalformedJSON');
      for (const key of Object.keys(body)) if (key !== 'Boot') throw new RedfishError(400, 'PropertyNotWritable', [key]);
      const boot = (body as { Boot?: unknown }).Boot;
      if (boot !== undefined) writeBoot(ctx.target, boot, ctx.now);
      return systemAnswer(ctx.target);
    },
  },
  {
    method: 'POST', path: RESET_TARGET, privilege: RedfishPrivilege.ConfigureComponents,
    handle: (ctx) => {
      reset(ctx);
      return NO_CONTENT;
    },
  },
];
