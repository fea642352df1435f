// bmcfleet OEM commands for virtual media (README "The bmcfleet OEM commands: virtual media"): netFn 2Eh, request and
// response data opening with the IANA enterprise number (IPMI 2.0 §5.1), numbers little-endian, a string a length
// byte then UTF-8. An insert only starts the work (an HTTP image is asked for its size first), as real BMCs do:
// the client follows it with Get Virtual Media Status until the drive is inserted or failed.
//
// Set Virtual Media, cmd 20h (Administrator)
//   request:  IANA(3) drive(1) action(1) source(s)    action 0 eject (source empty), 1 insert
//   response: IANA(3) generation(4)                   the drive's change count once the request is taken
// Get Virtual Media Status, cmd 21h (User)
//   request:  IANA(3) drive(1)
//   response: IANA(3) drive(1) state(1) generation(4) blockSize(2) blocks(8) readOnly(1) hostAttached(1)
//             source(s) error(s)
// Completion codes: CCh unknown drive or action, or an eject with a source; C7h a request of the wrong length;
// C1h another IANA; D5h an insert while another is under way on that drive.
import { DecodeError } from '../../errors.js';
import type { IpmiCommand } from '../commands/command.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { FieldReader, FieldWriter, OEM_PROTOCOL as PROTO } from './fields.js';
import { BMCFLEET_IANA_BYTES, expectBmcfleetIana } from './iana.js';

export const VirtualMediaCommand = { SET_VIRTUAL_MEDIA: 0x20, GET_VIRTUAL_MEDIA_STATUS: 0x21 } as const;
export const VirtualDrive = { CDROM: 0, DISK: 1 } as const;
export type VirtualDrive = typeof VirtualDrive[keyof typeof VirtualDrive];
export const MediaAction = { EJECT: 0, INSERT: 1 } as const;
export type MediaAction = typeof MediaAction[keyof typeof MediaAction];
export const MediaState = { EMPTY: 0, INSERTING: 1, INSERTED: 2, FAILED: 3 } as const;
export type MediaState = typeof MediaState[keyof typeof MediaState];

/** A source in a request: a path under the fleet's image folder, or an http(s) URL. */
export const MAX_SOURCE_BYTES = 200;
/** Strings in a status answer are cut so the answer stays under 170 bytes. */
export const MAX_STATUS_SOURCE_BYTES = 96;
export const MAX_STATUS_ERROR_BYTES = 48;

export interface SetVirtualMediaRequest { drive: number; action: number; source: string }
export interface SetVirtualMediaResponse { generation: number }
export interface VirtualMediaStatusRequest { drive: number }
export interface VirtualMediaStatus {
  drive: number;
  state: MediaState;
  generation: number;
  blockSize: number;
  blocks: number;
  readOnly: boolean;
  /** A host has the drive's USB device imported over USB/IP. */
  hostAttached: boolean;
  source: string;
  error: string;
}

function requestReader(data: Uint8Array): FieldReader {
  expectBmcfleetIana(data);
  return new FieldReader(data, 3);
}

export const SetVirtualMedia: IpmiCommand<SetVirtualMediaRequest, SetVirtualMediaResponse> = {
  name: 'bmcfleet Set Virtual Media', netFn: NetFn.OEM_GROUP, cmd: VirtualMediaCommand.SET_VIRTUAL_MEDIA, privilege: Privilege.ADMINISTRATOR,
  encodeRequest(r) {
    const length = Buffer.byteLength(r.source);
    // a source cut short would name another file: refuse it instead
    if (length > MAX_SOURCE_BYTES) throw new RangeError(`source must be at most ${MAX_SOURCE_BYTES} bytes of UTF-8, got ${length}`);
    return new FieldWriter(6 + length).raw(BMCFLEET_IANA_BYTES).u8(r.drive, 'drive').u8(r.action, 'action').str(r.source, MAX_SOURCE_BYTES).done();
  },
  decodeRequest(data) {
    const r = requestReader(data);
    const drive = r.u8('drive');
    const action = r.u8('action');
    const at = r.offset;
    const source = r.str('source');
    r.end('source');
    if (Buffer.byteLength(source) > MAX_SOURCE_BYTES) throw new DecodeError(PROTO, 'source', at, `at most ${MAX_SOURCE_BYTES} bytes`, 'ERR_LENGTH');
    return { drive, action, source };
  },
  encodeResponse: (r) => new FieldWriter(7).raw(BMCFLEET_IANA_BYTES).u32(r.generation, 'generation').done(),
  decodeResponse(data) {
    const r = requestReader(data);
    const generation = r.u32('generation');
    r.end('response');
    return { generation };
  },
};

export const GetVirtualMediaStatus: IpmiCommand<VirtualMediaStatusRequest, VirtualMediaStatus> = {
  name: 'bmcfleet Get Virtual Media Status', netFn: NetFn.OEM_GROUP, cmd: VirtualMediaCommand.GET_VIRTUAL_MEDIA_STATUS, privilege: Privilege.USER,
  encodeRequest: (r) => new FieldWriter(4).raw(BMCFLEET_IANA_BYTES).u8(r.drive, 'drive').done(),
  decodeRequest(data) {
    const r = requestReader(data);
    const drive = r.u8('drive');
    r.end('request');
    return { drive };
  },
  encodeResponse: (s) => new FieldWriter(170).raw(BMCFLEET_IANA_BYTES).u8(s.drive, 'drive').u8(s.state, 'state').u32(s.generation, 'generation')
    .u16(s.blockSize, 'blockSize').u64(s.blocks, 'blocks').u8(s.readOnly ? 1 : 0, 'readOnly').u8(s.hostAttached ? 1 : 0, 'hostAttached')
    .str(s.source, MAX_STATUS_SOURCE_BYTES).str(s.error, MAX_STATUS_ERROR_BYTES).done(),
  decodeResponse(data) {
    const r = requestReader(data);
    const s: VirtualMediaStatus = {
      drive: r.u8('drive'), state: stateOf(r.u8('state'), r.offset - 1), generation: r.u32('generation'), blockSize: r.u16('blockSize'),
      blocks: r.u64('blocks'), readOnly: r.u8('readOnly') !== 0, hostAttached: r.u8('hostAttached') !== 0, source: r.str('source'), error: r.str('error'),
    };
    r.end('status');
    return s;
  },
};

function stateOf(value: number, offset: number): MediaState {
  if (value > MediaState.FAILED) throw new DecodeError(PROTO, 'state', offset, `unknown state ${value}`, 'ERR_ENUM');
  return value as MediaState;
}
