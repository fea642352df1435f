// The BMC's SDR repository — IPMI 2.0 §33: Get SDR Repository Info (§33.9), Reserve SDR Repository (§33.11)
// and Get SDR (§33.12) with partial reads and reservations. Read-only from IPMI: the records come from the
// hardware template; replacing them (a hardware change) cancels every reservation, as any repository change must.
import { Reservation, partialRead, type RecordReadResult } from './record-reads.js';
import { FIRST_RECORD, LAST_RECORD } from '../../protocols/ipmi/commands/record-read.js';
import { SdrUpdateModes, type SdrRepositoryInfo } from '../../protocols/ipmi/commands/sdr.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { BMC_SLAVE_ADDRESS } from '../../protocols/ipmi/message.js';
import {
  SDR_VERSION, SdrRecordType, encode as encodeSdr, type CompactSensorRecord, type FullSensorRecord, type SdrRecord,
} from '../../protocols/ipmi/sdr-records.js';
import type { HardwareTemplate } from './hardware.js';
import { EntityId, sensorRecord } from './sensors.js';

/** The FRU device ID of the first power supply's FRU (FRU 0 is the system, found without a locator). */
export const PSU_FRU_ID = 1;
/** Device type 10h: FRU inventory device behind a management controller (Table 43-12). */
const FRU_INVENTORY_DEVICE = 0x10;

/** Record sets already built, per sensor set: a fleet of identical servers shares one (frozen) set. */
const built = new WeakMap<readonly unknown[], Map<string, readonly SdrRecord[]>>();
/** Encoded forms of frozen record sets. */
const encodedSets = new WeakMap<readonly SdrRecord[], readonly Buffer[]>();

/**
 * Records for a template: the BMC's MC device locator, every sensor, and a FRU locator per power supply. The
 * result is frozen and shared between templates with the same sensor array, capabilities and power supplies.
 */
export function buildSdrRecords(hw: HardwareTemplate, capabilities: number): readonly SdrRecord[] {
  const key = JSON.stringify([capabilities, hw.powerSupplies.map((p) => p.name)]);
  let bySensors = built.get(hw.sensors);
  if (!bySensors) built.set(hw.sensors, (bySensors = new Map()));
  const cached = bySensors.get(key);
  if (cached) return cached;
  const records: SdrRecord[] = [];
  let id = 1;
  records.push({
    recordType: SdrRecordType.MC_DEVICE_LOCATOR, recordId: id++, slaveAddress: BMC_SLAVE_ADDRESS, channel: 0,
    powerStateInit: 0x00, capabilities, entityId: EntityId.MANAGEMENT_CONTROLLER, entityInstance: 0x01, oem: 0, idString: 'BMC',
  });
  for (const spec of hw.sensors) records.push(sensorRecord(spec, id++, BMC_SLAVE_ADDRESS));
  hw.powerSupplies.forEach((psu, i) => {
    records.push({
      recordType: SdrRecordType.FRU_DEVICE_LOCATOR, recordId: id++, accessAddress: BMC_SLAVE_ADDRESS, fruDeviceId: PSU_FRU_ID + i,
      logical: true, accessLun: 0, privateBusId: 0, channel: 0, deviceType: FRU_INVENTORY_DEVICE, deviceTypeModifier: 0,
      entityId: EntityId.POWER_SUPPLY, entityInstance: i + 1, oem: 0, idString: `${psu.name} FRU`.slice(0, 16),
    });
  });
  const frozen = Object.freeze(records.map((r) => Object.freeze(r)));
  bySensors.set(key, frozen);
  return frozen;
}

function encodeAll(records: readonly SdrRecord[]): readonly Buffer[] {
  const cached = encodedSets.get(records);
  if (cached) return cached;
  const encoded = records.map(encodeSdr);
  if (Object.isFrozen(records)) encodedSets.set(records, encoded);
  return encoded;
}

export class SdrRepository {
  private records: readonly Buffer[] = [];
  private decoded: readonly SdrRecord[] = [];
  private readonly reservation = new Reservation();
  private additionTime = 0;
  private eraseTime = 0;

  constructor(records: readonly SdrRecord[], nowSeconds: number) {
    this.replace(records, nowSeconds);
  }

  get count(): number {
    return this.records.length;
  }

  /** Installs a new record set; any outstanding reservation is cancelled. An empty repository is refused. */
  replace(records: readonly SdrRecord[], nowSeconds: number): void {
    if (records.length === 0) throw new RangeError('an SDR repository must hold at least one record');
    const ids = new Set<number>();
    for (const r of records) {
      if (r.recordId === FIRST_RECORD || r.recordId === LAST_RECORD || ids.has(r.recordId)) throw new RangeError(`bad SDR record ID ${r.recordId}`);
      ids.add(r.recordId);
    }
    this.records = encodeAll(records);
    this.decoded = Object.isFrozen(records) ? records : records.map((r) => structuredClone(r));
    this.reservation.cancel();
    this.eraseTime = this.additionTime;
    this.additionTime = nowSeconds >>> 0;
  }

  /** Get SDR Repository Info (Table 33-3). */
  info(): SdrRepositoryInfo {
    return {
      version: SDR_VERSION, recordCount: this.records.length,
      freeSpace: 0x0000, // records are not added over IPMI
      lastAddition: this.additionTime, lastErase: this.eraseTime,
      overflow: false, updateModes: SdrUpdateModes.NON_MODAL,
      supportsDelete: false, supportsPartialAdd: false, supportsReserve: true, supportsAllocationInfo: false,
    };
  }

  /** A new reservation ID (never 0000h); the previous one is cancelled. */
  reserve(): number {
    return this.reservation.reserve();
  }

  private indexOf(recordId: number): number {
    if (recordId === FIRST_RECORD) return 0;
    if (recordId === LAST_RECORD) return this.records.length - 1;
    return this.records.findIndex((r) => (r[0] | (r[1] << 8)) === recordId);
  }

  /** Get SDR: reservation checked for partial reads (offset > 0) and whenever one is given. */
  read(reservationId: number, recordId: number, offset: number, count: number): RecordReadResult {
    if (!this.reservation.permitsRead(reservationId, offset)) return { cc: CompletionCode.RESERVATION_CANCELLED };
    const index = this.indexOf(recordId);
    if (index < 0) return { cc: CompletionCode.NOT_PRESENT };
    const next = index + 1 < this.records.length ? this.records[index + 1][0] | (this.records[index + 1][1] << 8) : LAST_RECORD;
    return partialRead(this.records[index], next, offset, count);
  }

  /** The sensor record (full or compact) for a sensor number. */
  sensorRecord(sensorNumber: number): FullSensorRecord | CompactSensorRecord | undefined {
    for (const r of this.decoded) {
      if ((r.recordType === SdrRecordType.FULL_SENSOR || r.recordType === SdrRecordType.COMPACT_SENSOR) && r.sensorNumber === sensorNumber) return r;
    }
    return undefined;
  }

  /** The encoded records, header included (for tests and tools). */
  all(): readonly Buffer[] {
    return this.records;
  }
}
