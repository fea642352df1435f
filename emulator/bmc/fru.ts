// The BMC's FRU inventory devices — IPMI 2.0 §34.1 Get FRU Inventory Area Info and §34.2 Read FRU Data, over
// images in the Platform Management FRU Information Storage Definition v1.0 format built from the hardware
// template. FRU 0 is the system (chassis, board, product areas); FRU 1.. are the power supplies.
import type { FruAreaInfo, ReadFruDataResponse } from '../../protocols/ipmi/commands/fru.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import {
  HEADER_LENGTH, encodeBoard, encodeChassis, encode as encodeFru, mfgMinutesFromMs, type BoardInfo, type FruInventory,
} from '../../protocols/ipmi/fru-format.js';
import type { HardwareTemplate } from './hardware.js';
import { PSU_FRU_ID } from './sdr-repository.js';

export const SYSTEM_FRU_ID = 0;
/** English (§15 of the FRU spec); with it, type/length 11b means 8-bit Latin-1 text. */
const LANGUAGE_ENGLISH = 0;

/** What was asked for, or the completion code to refuse with. */
export type FruResult<T> = T | { cc: number };

/** Derived text cut to what a type/length byte can carry (63 bytes). */
const fit = (text: string) => text.slice(0, 63);
/** Common header offsets are one byte in 8-byte units (FRU spec §8): the product area, last, must start by byte 2040. */
const LAST_AREA_START = 0xff * 8;

/** The board with as many custom lines as fit before the product area's last possible start: the rest are left out. */
function fitCustom(board: BoardInfo, before: number): BoardInfo {
  let room = LAST_AREA_START - before - encodeBoard({ ...board, custom: [] }).length;
  const custom: string[] = [];
  for (const line of board.custom) {
    room -= 1 + (line.length === 1 ? 2 : line.length); // type/length byte, then Latin-1 text (a 1-byte text is padded)
    if (room < 0) break;
    custom.push(line);
  }
  return { ...board, custom };
}

/** FRU 0: chassis, board and product areas; the board's extra fields list the host's parts. */
export function systemInventory(hw: HardwareTemplate): FruInventory {
  const memoryGiB = hw.memory.reduce((sum, m) => sum + m.sizeGiB, 0);
  const cpu = hw.cpus[0];
  const chassis = { type: hw.chassisType, partNumber: hw.chassisPartNumber, serialNumber: hw.serial, custom: [] };
  return {
    chassis,
    board: fitCustom({
      language: LANGUAGE_ENGLISH, mfgMinutes: mfgMinutesFromMs(hw.boardMfgTime), manufacturer: hw.boardManufacturer,
      productName: hw.boardProduct, serialNumber: hw.boardSerial, partNumber: hw.boardPartNumber, fruFileId: '',
      custom: [
        ...(cpu ? [`CPU: ${hw.cpus.length}x ${cpu.model} ${cpu.cores}C`] : []),
        `Memory: ${memoryGiB} GiB in ${hw.memory.length} DIMMs`,
        ...hw.disks.map((d) => `${d.slot}: ${d.model} SN ${d.serial}`),
        ...hw.nics.map((n) => `${n.name} MAC ${n.mac}`),
      ].map(fit),
    }, HEADER_LENGTH + encodeChassis(chassis).length),
    product: {
      language: LANGUAGE_ENGLISH, manufacturer: hw.vendor, productName: hw.product, partNumber: hw.productPartNumber,
      version: hw.productVersion, serialNumber: hw.serial, assetTag: hw.assetTag, fruFileId: '', custom: [],
    },
  };
}

/** FRU 1..: one per power supply, board and product areas. */
export function powerSupplyInventory(hw: HardwareTemplate, index: number): FruInventory {
  const psu = hw.powerSupplies[index];
  return {
    board: {
      language: LANGUAGE_ENGLISH, mfgMinutes: mfgMinutesFromMs(hw.boardMfgTime), manufacturer: hw.vendor, productName: psu.model,
      serialNumber: psu.serial, partNumber: psu.partNumber, fruFileId: '', custom: [],
    },
    product: {
      language: LANGUAGE_ENGLISH, manufacturer: hw.vendor, productName: `${psu.watts}W Power Supply`, partNumber: psu.partNumber,
      version: 'A00', serialNumber: psu.serial, assetTag: '', fruFileId: '', custom: [],
    },
  };
}

export class FruStore {
  private readonly images = new Map<number, Buffer>();

  constructor(hw: HardwareTemplate) {
    this.images.set(SYSTEM_FRU_ID, encodeFru(systemInventory(hw)));
    hw.powerSupplies.forEach((_, i) => this.images.set(PSU_FRU_ID + i, encodeFru(powerSupplyInventory(hw, i))));
  }

  ids(): number[] {
    return [...this.images.keys()];
  }

  image(id: number): Buffer | undefined {
    return this.images.get(id);
  }

  /** §34.1: the area size in bytes, read by bytes. CBh for an unknown device. */
  areaInfo(id: number): FruResult<FruAreaInfo> {
    const image = this.images.get(id);
    if (!image) return { cc: CompletionCode.NOT_PRESENT };
    return { size: image.length, accessByWords: false };
  }

  /** §34.2: a view of the bytes; a read past the end returns what is left, one starting past it C9h. */
  read(id: number, offset: number, count: number): FruResult<ReadFruDataResponse> {
    const image = this.images.get(id);
    if (!image) return { cc: CompletionCode.NOT_PRESENT };
    if (offset > image.length) return { cc: CompletionCode.PARAMETER_OUT_OF_RANGE };
    return { data: image.subarray(offset, Math.min(image.length, offset + count)) };
  }
}
