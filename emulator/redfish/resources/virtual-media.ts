// Virtual media (VirtualMedia.v1_4_0, the first with Status): the BMC's CD-ROM ("Cd") and removable disk ("UsbStick") of emulator/media, the
// drives its USB/IP port exports, under the Manager (where sushy 4.3 looks) and under the System (where newer Ironic
// looks first). InsertMedia takes Image (an http(s) URL), Inserted and WriteProtected and answers once the image is in;
// EjectMedia is a POST with no body (sushy sends none).
import { DriveKind } from '../../../protocols/scsi/medium.js';
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { InsertBusyError, type BmcMedia } from '../../media/bmc-media.js';
import { MediaError } from '../../media/media-error.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, NO_CONTENT, ok, type Route, type RouteContext } from '../route.js';
import { MANAGER } from './manager.js';
import { SYSTEM } from './system.js';

const INSERT = 'VirtualMedia.InsertMedia';

/** The two slots by Id: their drive and the media types they take. */
const SLOTS = {
  Cd: { drive: DriveKind.cdrom, name: 'Virtual CD', mediaTypes: ['CD', 'DVD'] },
  UsbStick: { drive: DriveKind.disk, name: 'Virtual USB stick', mediaTypes: ['USBStick'] },
} as const;
type SlotId = keyof typeof SLOTS;

function mediaOf(target: BmcRedfish): BmcMedia {
  if (!target.media) throw new RedfishError(404, 'ResourceNotFound', ['VirtualMediaCollection', 'VirtualMedia']);
  return target.media;
}

function slotOf(ctx: RouteContext): SlotId {
  if (!Object.hasOwn(SLOTS, ctx.params[0])) throw new RedfishError(404, 'ResourceNotFound', ['VirtualMedia', ctx.params[0]]);
  return ctx.params[0] as SlotId;
}

function slotBody(base: string, target: BmcRedfish, id: SlotId): object {
  const slot = SLOTS[id];
  const drive = mediaOf(target).drive(slot.drive);
  const image = drive.image ?? null;
  const inserted = drive.state === 'inserted';
  return {
    '@odata.id': `${base}/${id}`, '@odata.type': '#VirtualMedia.v1_4_0.VirtualMedia', Id: id, Name: slot.name,
    MediaTypes: [...slot.mediaTypes], Image: inserted ? image : null, ImageName: inserted && image ? image.split('/').pop() : null,
    Inserted: inserted, WriteProtected: drive.readOnly ?? true, ConnectedVia: inserted ? 'URI' : 'NotConnected',
    TransferMethod: 'Stream', TransferProtocolType: inserted && image?.startsWith('https:') ? 'HTTPS' : inserted ? 'HTTP' : null,
    Status: drive.state === 'failed' ? { State: 'Enabled', Health: 'Warning' } : ENABLED_OK,
    Actions: {
      '#VirtualMedia.InsertMedia': { target: `${base}/${id}/Actions/${INSERT}` },
      '#VirtualMedia.EjectMedia': { target: `${base}/${id}/Actions/VirtualMedia.EjectMedia` },
    },
  };
}

/** InsertMedia's parameters, checked: an http(s) Image, Inserted true (the only way this service inserts), WriteProtected. */
function insertParameters(body: unknown, id: SlotId): { image: string; writeProtected: boolean } {
  const p = (body ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p)) throw new RedfishError(400, 'MalformedJSON');
  const image = p.Image;
  if (image === undefined) throw new RedfishError(400, 'ActionParameterMissing', [INSERT, 'Image']);
  if (typeof image !== 'string' || !/^https?:\/\/\S+$/i.test(image)) throw new RedfishError(400, 'ActionParameterValueFormatError', [String(image), 'Image', INSERT]);
  if (p.Inserted !== undefined && p.Inserted !== true) throw new RedfishError(400, 'ActionParameterValueNotInList', [String(p.Inserted), 'Inserted', INSERT]);
  if (p.WriteProtected !== undefined && typeof p.WriteProtected !== 'boolean') throw new RedfishError(400, 'ActionParameterValueFormatError', [String(p.WriteProtected), 'WriteProtected', INSERT]);
  for (const name of ['TransferProtocolType', 'TransferMethod']) {
    const v = p[name];
    if (v !== undefined && !['HTTP', 'HTTPS', 'Stream'].includes(v as string)) throw new RedfishError(400, 'ActionParameterValueNotInList', [String(v), name, INSERT]);
  }
  // A CD is read only; a USB stick is write protected unless asked otherwise (the schema's default).
  return { image, writeProtected: id === 'Cd' ? true : p.WriteProtected !== false };
}

/** The routes of the virtual media under `base` (a Manager's or a System's). */
function mediaRoutes(owner: string): Route[] {
  const base = `${owner}/VirtualMedia`;
  return [
    {
      method: 'GET', path: base, privilege: RedfishPrivilege.Login,
      handle: ({ target }) => {
        mediaOf(target);
        return ok(collection(base, 'VirtualMediaCollection', 'Virtual Media', Object.keys(SLOTS).map((id) => `${base}/${id}`)));
      },
    },
    { method: 'GET', path: `${base}/{id}`, privilege: RedfishPrivilege.Login, handle: (ctx) => ok(slotBody(base, ctx.target, slotOf(ctx))) },
    {
      method: 'POST', path: `${base}/{id}/Actions/${INSERT}`, privilege: RedfishPrivilege.ConfigureManager,
      handle: async (ctx) => {
        const id = slotOf(ctx);
        const media = mediaOf(ctx.target);
        const { image, writeProtected } = insertParameters(ctx.body, id);
        try {
          await media.insert(SLOTS[id].drive, image, { writeProtected });
        } catch (err) {
          if (err instanceof InsertBusyError) throw new RedfishError(409, 'ResourceInUse');
          if (err instanceof MediaError) throw new RedfishError(400, 'ActionParameterValueFormatError', [image, 'Image', INSERT]);
          throw err;
        }
        return NO_CONTENT;
      },
    },
    {
      method: 'POST', path: `${base}/{id}/Actions/VirtualMedia.EjectMedia`, privilege: RedfishPrivilege.ConfigureManager,
      handle: (ctx) => {
        mediaOf(ctx.target).eject(SLOTS[slotOf(ctx)].drive);
        return NO_CONTENT;
      },
    },
  ];
}

export const virtualMediaRoutes: readonly Route[] = [...mediaRoutes(MANAGER), ...mediaRoutes(SYSTEM)];
