// Reads a FRU device's inventory area over an open session (IPMI 2.0 §34.1 Get FRU Inventory Area Info, §34.2 Read
// FRU Data) and decodes it (protocols/ipmi/fru-format.ts). Reads go in chunks; a BMC that cannot return as many bytes
// as asked (C7h, C8h, CAh) is asked for half as many, as ipmitool does.
import { GetFruInventoryAreaInfo, ReadFruData } from '../../protocols/ipmi/commands/fru.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { decode, type FruInventory } from '../../protocols/ipmi/fru-format.js';
import type { IpmiLanClient } from './ipmi-client.js';
import { CompletionCodeError } from './ipmi-errors.js';

/** Bytes asked for per Read FRU Data at first. */
const FIRST_CHUNK = 64;
const SMALLEST_CHUNK = 8;
const TOO_MANY_BYTES: readonly number[] = [
  CompletionCode.REQUEST_DATA_LENGTH_INVALID, CompletionCode.REQUEST_DATA_FIELD_LENGTH_EXCEEDED, CompletionCode.CANNOT_RETURN_REQUESTED_BYTES,
];

/** The raw inventory area of FRU device `fruId`. Throws what the client throws (a device the BMC lacks: CBh). */
export async function readFruImage(client: IpmiLanClient, fruId = 0): Promise<Buffer> {
  const info = await client.call(GetFruInventoryAreaInfo, fruId);
  const unit = info.accessByWords ? 2 : 1;
  const image = Buffer.alloc(info.size);
  let chunk = FIRST_CHUNK;
  for (let offset = 0; offset < info.size;) {
    let data: Uint8Array;
    try {
      const count = Math.min(chunk, info.size - offset);
      ({ data } = await client.call(ReadFruData, { fruId, offset: offset / unit, count: Math.ceil(count / unit) }));
    } catch (err) {
      if (!(err instanceof CompletionCodeError) || !TOO_MANY_BYTES.includes(err.completionCode) || chunk <= SMALLEST_CHUNK) throw err;
      chunk = Math.max(SMALLEST_CHUNK, chunk >> 1);
      continue;
    }
    if (data.length === 0) break; // the device says there is no more
    image.set(data.subarray(0, info.size - offset), offset);
    offset += data.length;
  }
  return image;
}

/** FRU device `fruId` decoded: its chassis, board and product areas (DecodeError when the image is malformed). */
export async function readFru(client: IpmiLanClient, fruId = 0): Promise<FruInventory> {
  return decode(await readFruImage(client, fruId));
}
