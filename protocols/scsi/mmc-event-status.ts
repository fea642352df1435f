// GET EVENT STATUS NOTIFICATION — MMC-6 §6.7, polled only (the Morphing feature says ASYNC = 0), and only the
// Media class (4): a host learns of a new disc or of its removal without waiting for a UNIT ATTENTION.
// Linux cdrom/sr polls it with class request 10h and 8 bytes; Windows classpnp reads EVENT DESCRIPTOR LENGTH as
// the bytes after the length field, so the media answer says 6 (2 header bytes + a 4-byte descriptor).
import { invalidField, readCdb } from './cdb.js';

/** NOTIFICATION CLASS REQUEST bit for the Media class (byte 4 bit 4), and the class number in the answer. */
export const MEDIA_CLASS_REQUEST = 0x10;
export const MEDIA_CLASS = 4;
/** NEA (byte 2 bit 7): no event of a requested, supported class is available. */
const NEA = 0x80;

/** MEDIA EVENT CODE (MMC-6 §6.7, Media Event Descriptor byte 0 [3:0]). */
export const MediaEvent = { noChange: 0x0, ejectRequest: 0x1, newMedia: 0x2, mediaRemoval: 0x3 } as const;
export type MediaEvent = (typeof MediaEvent)[keyof typeof MediaEvent];

export interface GetEventStatusCommand {
  op: 'get-event-status';
  /** NOTIFICATION CLASS REQUEST: a bit per class. */
  classRequest: number;
  allocationLength: number;
}

/** CDB: byte 1 bit 0 POLLED (must be 1: asynchronous operation is not supported), byte 4 classes, bytes 7-8 ALLOCATION LENGTH. */
export function decodeGetEventStatus(input: Uint8Array): GetEventStatusCommand {
  const cdb = readCdb(input, 10, 'GET EVENT STATUS NOTIFICATION');
  if ((cdb[1] & 0x01) === 0) throw invalidField('GET EVENT STATUS NOTIFICATION', 'POLLED', 1, 'asynchronous operation is not supported');
  return { op: 'get-event-status', classRequest: cdb[4], allocationLength: cdb.readUInt16BE(7) };
}

/** Whether this request reports (and so consumes) the pending media event. */
export function asksForMedia(c: GetEventStatusCommand): boolean {
  return (c.classRequest & MEDIA_CLASS_REQUEST) !== 0;
}

/** The event status header (4 bytes) and, when the Media class was asked for, its descriptor. */
export function eventStatusData(c: GetEventStatusCommand, event: MediaEvent, discPresent: boolean): Buffer {
  if (!asksForMedia(c)) {
    const out = Buffer.alloc(4);
    out.writeUInt16BE(2, 0); // EVENT DESCRIPTOR LENGTH: bytes 2-3 only
    out[2] = NEA; // NEA = 1, NOTIFICATION CLASS = 0
    out[3] = MEDIA_CLASS_REQUEST; // SUPPORTED EVENT CLASSES
    return out;
  }
  const out = Buffer.alloc(8);
  out.writeUInt16BE(6, 0); // EVENT DESCRIPTOR LENGTH
  out[2] = MEDIA_CLASS; // NEA = 0, NOTIFICATION CLASS = 100b
  out[3] = MEDIA_CLASS_REQUEST; // SUPPORTED EVENT CLASSES
  out[4] = event; // MEDIA EVENT CODE
  out[5] = discPresent ? 0x02 : 0x00; // MEDIA PRESENT (1), DOOR OR TRAY OPEN (0) = 0
  // bytes 6-7: START SLOT, END SLOT = 0
  return out;
}
