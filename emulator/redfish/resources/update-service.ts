// The UpdateService (UpdateService.v1_8_0, SoftwareInventory.v1_2_3): SimpleUpdate with an ImageURI the BMC fetches
// over HTTP(S), and the multipart HTTP push (DSP0266 "Multipart HTTP push updates": an UpdateParameters part of JSON,
// an UpdateFile part with the image), both into the same firmware model HPM.1 writes (firmware-update.ts). Each
// answers 202 with a task's monitor. FirmwareInventory: the BMC's firmware (Get Device ID's version) and the host's BIOS (not modelled: fixed).
import { DecodeError } from '../../../protocols/errors.js';
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { decodeMultipart, multipartBoundary } from '../../../protocols/redfish/multipart.js';
import { decodeJsonBody } from '../../../protocols/redfish/request-body.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { FirmwareUpdateRun } from '../firmware-update.js';
import { downloadImage } from '../image-download.js';
import { RedfishPrivilege } from '../roles.js';
import type { RedfishTask } from '../task-table.js';
import { collection, ENABLED_OK, link, ok, type Route } from '../route.js';
import { firmwareVersion, MANAGER } from './manager.js';
import { accepted, TASKS } from './task-service.js';
import { EventType } from '../redfish-events.js';

const UPDATE_SERVICE = '/redfish/v1/UpdateService';
const INVENTORY = `${UPDATE_SERVICE}/FirmwareInventory`;
const SIMPLE_UPDATE = 'UpdateService.SimpleUpdate';
/** MultipartHttpPushUri: redfish-service.ts lets a body to it be as large as the firmware model takes. */
export const PUSH_URI = `${UPDATE_SERVICE}/update-multipart`;
/** What Targets may name: the BMC (its manager, or its inventory entry). */
const TARGETS = new Set([MANAGER, `${INVENTORY}/BMC`]);
/** The host's BIOS: not modelled, so one fixed version that no update changes. */
const BIOS_VERSION = '1.0.0';

function inventoryBody(id: 'BMC' | 'BIOS', target: BmcRedfish): object {
  const bmc = id === 'BMC';
  return {
    '@odata.id': `${INVENTORY}/${id}`, '@odata.type': '#SoftwareInventory.v1_2_3.SoftwareInventory', Id: id,
    Name: bmc ? 'BMC firmware' : 'Host BIOS', Version: bmc ? firmwareVersion(target.bmc.model.device) : BIOS_VERSION,
    Updateable: bmc, Manufacturer: bmc ? 'bmcfleet' : target.bmc.model.hardware.vendor, Status: ENABLED_OK,
    ...(bmc ? { RelatedItem: [link(MANAGER)] } : { RelatedItem: [link('/redfish/v1/Systems/1')] }),
  };
}

/** Targets, when given: a list naming only the BMC. */
function checkTargets(targets: unknown, property: string): void {
  if (targets === undefined) return;
  if (!Array.isArray(targets)) throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(targets), property]);
  for (const t of targets) if (typeof t !== 'string' || !TARGETS.has(t)) throw new RedfishError(400, 'PropertyValueNotInList', [String(t), property]);
}

/** SimpleUpdate's parameters: ImageURI (an http(s) URL, or a host/path with TransferProtocol HTTP/HTTPS), Targets. */
function simpleUpdateImage(body: unknown): URL {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RedfishError(400, 'ActionParameterMissing', [SIMPLE_UPDATE, 'ImageURI']);
  const p = body as Record<string, unknown>;
  const uri = p.ImageURI;
  if (uri === undefined) throw new RedfishError(400, 'ActionParameterMissing', [SIMPLE_UPDATE, 'ImageURI']);
  const protocol = p.TransferProtocol;
  if (protocol !== undefined && protocol !== 'HTTP' && protocol !== 'HTTPS') {
    throw new RedfishError(400, 'ActionParameterValueNotInList', [String(protocol), 'TransferProtocol', SIMPLE_UPDATE]);
  }
  checkTargets(p.Targets, 'Targets');
  const bad = () => new RedfishError(400, 'ActionParameterValueFormatError', [String(uri), 'ImageURI', SIMPLE_UPDATE]);
  if (typeof uri !== 'string') throw bad();
  // ImageURI may leave the scheme to TransferProtocol (UpdateService.v1_8_0 SimpleUpdate); sushy sends HTTP for any URL.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || protocol === undefined ? uri : `${protocol.toLowerCase()}://${uri}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad();
  return url;
}

/** A task for a new update, or 409 while one runs (over Redfish or HPM.1), 503 while the task table is full. */
function startTask(target: BmcRedfish, now: number): RedfishTask {
  if (target.update?.task.running || target.bmc.model.firmware.deadline !== null) throw new RedfishError(409, 'ResourceInUse');
  // each step the task notes is an event too (update progress)
  const task = target.tasks.start('Firmware update', now, (t, message) => {
    target.events.publish(EventType.StatusChange, message.MessageId, message.MessageArgs, `${TASKS}/${t.id}`);
  });
  if (!task) throw new RedfishError(503, 'ServiceTemporarilyUnavailable', ['1']);
  return task;
}

function begin(target: BmcRedfish, task: RedfishTask, image: string): FirmwareUpdateRun | null {
  const run = FirmwareUpdateRun.begin(target.bmc.model.firmware, task, target.clock, image);
  target.update = run;
  return run;
}

/** The push's parts: UpdateParameters (JSON: Targets, @Redfish.OperationApplyTime Immediate) and UpdateFile. */
function pushParts(ctx: { raw: Uint8Array; headers: Readonly<Record<string, string | string[] | undefined>> }): { file: Uint8Array; name: string } {
  let parts;
  try {
    const type = ctx.headers['content-type'];
    parts = decodeMultipart(ctx.raw, multipartBoundary(typeof type === 'string' ? type : undefined));
  } catch (err) {
    if (err instanceof DecodeError) throw new RedfishError(400, 'UnrecognizedRequestBody');
    throw err;
  }
  const parameters = parts.find((p) => p.name === 'UpdateParameters');
  if (!parameters) throw new RedfishError(400, 'PropertyMissing', ['UpdateParameters']);
  const json = decodeJsonBody(parameters.body); // malformed: dispatch answers 400 MalformedJSON, as for any JSON body
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new RedfishError(400, 'MalformedJSON');
  const p = json as Record<string, unknown>;
  checkTargets(p.Targets, 'Targets');
  const applyTime = p['@Redfish.OperationApplyTime'];
  if (applyTime !== undefined && applyTime !== 'Immediate') throw new RedfishError(400, 'PropertyValueNotInList', [String(applyTime), '@Redfish.OperationApplyTime']);
  const file = parts.find((p) => p.name === 'UpdateFile');
  if (!file) throw new RedfishError(400, 'PropertyMissing', ['UpdateFile']);
  return { file: file.body, name: file.filename ?? 'UpdateFile' };
}

export const updateServiceRoutes: readonly Route[] = [
  {
    method: 'GET', path: UPDATE_SERVICE, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok({
      '@odata.id': UPDATE_SERVICE, '@odata.type': '#UpdateService.v1_8_0.UpdateService', Id: 'UpdateService', Name: 'Update Service',
      ServiceEnabled: true, Status: ENABLED_OK, MaxImageSizeBytes: target.bmc.model.firmware.maxFirmwareBytes,
      MultipartHttpPushUri: PUSH_URI, FirmwareInventory: link(INVENTORY),
      Actions: {
        [`#${SIMPLE_UPDATE}`]: { target: `${UPDATE_SERVICE}/Actions/${SIMPLE_UPDATE}`, 'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'] },
      },
    }),
  },
  {
    method: 'GET', path: INVENTORY, privilege: RedfishPrivilege.Login,
    handle: () => ok(collection(INVENTORY, 'SoftwareInventoryCollection', 'Firmware Inventory', [`${INVENTORY}/BMC`, `${INVENTORY}/BIOS`])),
  },
  {
    method: 'GET', path: `${INVENTORY}/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params }) => {
      if (params[0] !== 'BMC' && params[0] !== 'BIOS') throw new RedfishError(404, 'ResourceNotFound', ['SoftwareInventory', params[0]]);
      return ok(inventoryBody(params[0], target));
    },
  },
  {
    method: 'POST', path: `${UPDATE_SERVICE}/Actions/${SIMPLE_UPDATE}`, privilege: RedfishPrivilege.ConfigureComponents,
    handle: ({ target, body, now }) => {
      const url = simpleUpdateImage(body);
      const task = startTask(target, now);
      const run = begin(target, task, url.href);
      if (run) {
        void downloadImage(url, { started: (length) => run.expect(length), data: (chunk) => run.write(chunk) }, target.clock)
          .then(() => run.end(), () => run.abandon());
      }
      return accepted(task);
    },
  },
  {
    method: 'POST', path: PUSH_URI, privilege: RedfishPrivilege.ConfigureComponents, rawBody: true,
    handle: (ctx) => {
      const { file, name } = pushParts(ctx);
      const task = startTask(ctx.target, ctx.now);
      const run = begin(ctx.target, task, name);
      if (run) {
        run.expect(file.length);
        run.write(file);
        run.end();
      }
      return accepted(task);
    },
  },
];
