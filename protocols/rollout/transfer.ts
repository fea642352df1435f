// Image Offer (04h), Image Chunk (05h) and Transfer Ack (06h) bodies: README "The rollout protocol" (its byte
// tables). How the image gets from the manager to an RMC.
//
//   Image Offer (5 + m):   attempt(1) chunkSize(2) manifestLength(2) manifest(m)
//   Image Chunk (10 + n):  offset(4) length(2) crc32(4) data(n)
//   Transfer Ack (6):      nextOffset(4) window(2)
//
// The manager offers the image (its signed manifest); the RMC answers with a Transfer Ack whose nextOffset is
// the first byte it does not hold yet, so a transfer that broke (a lost link, an RMC restart) resumes there,
// not at byte 0. Every chunk says where its bytes go and carries their CRC-32 (the zlib / IEEE 802.3 one), so a
// chunk damaged on the way is dropped and asked for again instead of spoiling the whole image. Chunks are whole
// messages sized by the header's length field, so the same bytes work over UDP (one a datagram) and TCP (back
// to back). The RMC acks as it stores; `window` is how many more chunks past nextOffset it takes now (0: wait).
import { crc32 } from 'node:zlib';
import { type BodyCodec } from './fields.js';
import { readManifest, MAX_MANIFEST_LENGTH } from './manifest.js';

/** Bytes a chunk may carry: 32 KiB keeps a chunk in one loopback datagram; on a real link use about 1,400. */
export const MAX_CHUNK_LENGTH = 32 * 1024;

export interface ImageOffer {
  /** 1 for the first transfer, counting up for each retry after a failed verification. */
  attempt: number;
  /** The most data bytes each Image Chunk will carry (1 .. MAX_CHUNK_LENGTH). */
  chunkSize: number;
  /** The signed manifest as manifest.ts encodes it (checked for form here, for its signature by the RMC). */
  manifest: Uint8Array;
}

export interface ImageChunk {
  /** Where data[0] goes in the image. */
  offset: number;
  data: Uint8Array;
}

export interface TransferAck {
  /** Every byte before this one is stored; the transfer goes on (or resumes) here. Equal to the size: complete. */
  nextOffset: number;
  /** Chunks the RMC accepts beyond nextOffset now. */
  window: number;
}

/** CRC-32 of a chunk's data, as its header carries it. */
export function chunkCrc(data: Uint8Array): number {
  return crc32(data) >>> 0;
}

export const imageOfferCodec: BodyCodec<ImageOffer> = {
  encodingLength: (o) => 5 + o.manifest.length,
  write: (w, o) => {
    if (o.chunkSize < 1 || o.chunkSize > MAX_CHUNK_LENGTH) throw new RangeError(`chunkSize must be 1..${MAX_CHUNK_LENGTH}`);
    if (o.manifest.length > MAX_MANIFEST_LENGTH) throw new RangeError(`a manifest is at most ${MAX_MANIFEST_LENGTH} bytes`);
    w.u8(o.attempt, 'attempt').u16(o.chunkSize, 'chunkSize').u16(o.manifest.length, 'manifestLength').bytes(o.manifest);
  },
  read: (r) => {
    const attempt = r.u8('attempt');
    const at = r.offset;
    const chunkSize = r.u16('chunkSize');
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_LENGTH) throw r.fail('chunkSize', `${chunkSize}, allowed 1..${MAX_CHUNK_LENGTH}`, 'ERR_RANGE', at);
    const lengthAt = r.offset;
    const length = r.u16('manifestLength');
    if (length > MAX_MANIFEST_LENGTH) throw r.fail('manifestLength', `${length}, at most ${MAX_MANIFEST_LENGTH}`, 'ERR_RANGE', lengthAt);
    const start = r.offset;
    const manifest = r.bytes(length, 'manifest');
    readManifest(r.part(start, start + length));
    return { attempt, chunkSize, manifest };
  },
};

export const imageChunkCodec: BodyCodec<ImageChunk> = {
  encodingLength: (c) => 10 + c.data.length,
  write: (w, c) => {
    if (c.data.length < 1 || c.data.length > MAX_CHUNK_LENGTH) throw new RangeError(`a chunk carries 1..${MAX_CHUNK_LENGTH} bytes`);
    if (c.offset + c.data.length > 0x1_0000_0000) throw new RangeError('a chunk runs past 4 GiB');
    w.u32(c.offset, 'offset').u16(c.data.length, 'length').u32(chunkCrc(c.data), 'crc32').bytes(c.data);
  },
  read: (r) => {
    const offset = r.u32('offset');
    const at = r.offset;
    const length = r.u16('length');
    if (length < 1 || length > MAX_CHUNK_LENGTH) throw r.fail('length', `${length}, allowed 1..${MAX_CHUNK_LENGTH}`, 'ERR_RANGE', at);
    if (offset + length > 0x1_0000_0000) throw r.fail('length', 'the chunk runs past 4 GiB', 'ERR_RANGE', at);
    const crc = r.u32('crc32');
    const data = r.bytes(length, 'data');
    if (chunkCrc(data) !== crc) throw r.fail('crc32', 'the data does not match its CRC-32', 'ERR_CRC', at + 2);
    return { offset, data };
  },
};

export const transferAckCodec: BodyCodec<TransferAck> = {
  encodingLength: () => 6,
  write: (w, a) => { w.u32(a.nextOffset, 'nextOffset').u16(a.window, 'window'); },
  read: (r) => ({ nextOffset: r.u32('nextOffset'), window: r.u16('window') }),
};
