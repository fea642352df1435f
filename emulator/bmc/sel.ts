// The System Event Log — IPMI 2.0 §31: Get SEL Info (§31.2), Reserve SEL (§31.4), Get SEL Entry (§31.5),
// Add SEL Entry (§31.6), Delete SEL Entry (§31.8), Clear SEL (§31.9), Get/Set SEL Time (§31.10, §31.11). Bounded:
// when full the oldest entry goes and the overflow flag is set. It is also the BMC's event receiver: host changes
// (model.onChange) and threshold crossings found by a sensor scan become system event records (§32.1).
import { Reservation, partialRead, type RecordReadResult } from './record-reads.js';
import { NO_TIMESTAMP, type SelInfo } from '../../protocols/ipmi/commands/sel.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { EventReadingType } from '../../protocols/ipmi/sdr-records.js';
import {
  BMC_GENERATOR_ID, EVM_REV, SEL_OEM_TIMESTAMPED_FIRST, SEL_RECORD_LENGTH, SEL_RECORD_TYPE_SYSTEM, SensorType, UNSPECIFIED,
  encode as encodeSel, hasTimestamp, thresholdEventData1, type SelRecord,
} from '../../protocols/ipmi/sel-record.js';
import type { BmcEvent } from './events.js';
import type { DiscreteContext, DiscreteRole, Sensors } from './sensors.js';

/** SEL version 51h (Table 31-2). */
export const SEL_VERSION = 0x51;
export const DEFAULT_SEL_CAPACITY = 512;

/** Offsets of the discrete sensors the BMC logs against (§42.2 Table 42-3). */
const Offset = {
  POWER_OFF: 0x00, POWER_CYCLE: 0x01, // Power Unit 09h
  BOOT_HARD_RESET: 0x01, // System Boot / Restart Initiated 1Dh
  LOG_CLEARED: 0x02, // Event Logging Disabled 10h
  DIAGNOSTIC_INTERRUPT: 0x00, // Critical Interrupt 13h
} as const;

/** OEM data of the identify record (type C0h): "ID", then 0 off / 1 timed / 2 forced on. */
const IDENTIFY_OEM_TAG = [0x49, 0x44] as const;
const IDENTIFY_STATE = { off: 0, temporary: 1, indefinite: 2 } as const;

/** Everything needed to restore the log (plain data, JSON-serialisable). */
export interface SelState {
  entries: SelRecord[];
  lastRecordId: number;
  /** SEL time minus the BMC clock, seconds. */
  timeOffset: number;
  lastAddition: number;
  lastErase: number;
  overflow: boolean;
}

export interface SelOptions {
  /** Entries kept (at most 4095, so that the free space in bytes fits Get SEL Info's 16 bits). */
  capacity?: number;
  /** The scan source of threshold events and the discrete sensor numbers. */
  sensors?: Sensors;
  state?: SelState;
  /** IANA number in the BMC's OEM (identify) records. */
  manufacturerId?: number;
}

export class SystemEventLog {
  readonly capacity: number;
  private readonly sensors: Sensors | undefined;
  private readonly manufacturerId: number;
  private entries: SelRecord[] = [];
  private lastRecordId = 0;
  private timeOffset = 0;
  private lastAddition = NO_TIMESTAMP;
  private lastErase = NO_TIMESTAMP;
  private overflow = false;
  private readonly reservation = new Reservation();
  /** Told of each entry added (the Redfish EventService). */
  private readonly addedListeners = new Set<(entry: SelRecord) => void>();

  constructor(options: SelOptions) {
    this.capacity = options.capacity ?? DEFAULT_SEL_CAPACITY;
    if (!Number.isInteger(this.capacity) || this.capacity < 1 || this.capacity > 0x0fff) throw new RangeError(`bad SEL capacity ${this.capacity}`);
    this.sensors = options.sensors;
    this.manufacturerId = options.manufacturerId ?? 0;
    if (options.state) this.load(options.state);
  }

  get count(): number {
    return this.entries.length;
  }

  get overflowed(): boolean {
    return this.overflow;
  }

  /** What the Event Log sensor reports: full (it overflowed), almost full (three quarters used). */
  fillState(): DiscreteContext {
    return { selFull: this.overflow, selAlmostFull: this.entries.length >= this.capacity * 0.75 };
  }

  /** SEL time in seconds for the BMC clock's `now` (ms). */
  time(now: number): number {
    return (Math.floor(now / 1000) + this.timeOffset) >>> 0;
  }

  setTime(seconds: number, now: number): void {
    this.timeOffset = (seconds >>> 0) - Math.floor(now / 1000);
  }

  /** Copies of the entries, oldest first. */
  list(): SelRecord[] {
    return this.entries.map((e) => structuredClone(e));
  }

  toJSON(): SelState {
    return {
      entries: this.list(), lastRecordId: this.lastRecordId, timeOffset: this.timeOffset,
      lastAddition: this.lastAddition, lastErase: this.lastErase, overflow: this.overflow,
    };
  }

  load(state: SelState): void {
    this.entries = state.entries.slice(-this.capacity).map((e) => structuredClone(e));
    this.lastRecordId = state.lastRecordId;
    this.timeOffset = state.timeOffset;
    this.lastAddition = state.lastAddition;
    this.lastErase = state.lastErase;
    this.overflow = state.overflow;
    this.reservation.cancel();
  }

  private nextRecordId(): number {
    do {
      this.lastRecordId = (this.lastRecordId % 0xfffe) + 1; // 0000h and FFFFh are reserved (§31.5)
    } while (this.entries.some((e) => e.recordId === this.lastRecordId));
    return this.lastRecordId;
  }

  /** Hears each entry added, with its record ID; returns the unsubscribe function. */
  onAdded(listener: (entry: SelRecord) => void): () => void {
    this.addedListeners.add(listener);
    return () => this.addedListeners.delete(listener);
  }

  /** Adds a record; the BMC assigns the ID and, for timestamped types, the timestamp (§31.6). */
  add(record: SelRecord, now: number): number {
    const entry = structuredClone(record);
    entry.recordId = this.nextRecordId();
    const stamp = this.time(now);
    if (hasTimestamp(entry.recordType)) (entry as { timestamp: number }).timestamp = stamp;
    if (this.entries.length >= this.capacity) {
      this.entries.shift();
      this.overflow = true;
    }
    this.entries.push(entry);
    this.lastAddition = stamp;
    for (const listener of this.addedListeners) listener(entry);
    return entry.recordId;
  }

  /** A system event record from the BMC itself (§32.1). */
  logSystemEvent(sensorType: number, sensorNumber: number, eventType: number, eventData: [number, number, number],
    deassertion: boolean, now: number): number {
    return this.add({
      recordId: 0, recordType: SEL_RECORD_TYPE_SYSTEM, timestamp: 0, generatorId: BMC_GENERATOR_ID, evmRev: EVM_REV,
      sensorType, sensorNumber, deassertion, eventType, eventData,
    }, now);
  }

  /** Get SEL Info (Table 31-2). */
  info(): SelInfo {
    return {
      version: SEL_VERSION, entries: this.entries.length, freeSpace: (this.capacity - this.entries.length) * SEL_RECORD_LENGTH,
      lastAddition: this.lastAddition >>> 0, lastErase: this.lastErase >>> 0,
      overflow: this.overflow, supportsDelete: true, supportsPartialAdd: false, supportsReserve: true, supportsAllocationInfo: false,
    };
  }

  reserve(): number {
    return this.reservation.reserve();
  }

  reservationValid(id: number): boolean {
    return this.reservation.valid(id);
  }

  private indexOf(recordId: number): number {
    if (this.entries.length === 0) return -1;
    if (recordId === 0x0000) return 0;
    if (recordId === 0xffff) return this.entries.length - 1;
    return this.entries.findIndex((e) => e.recordId === recordId);
  }

  /** Get SEL Entry: a reservation is needed to read from a non-zero offset, and is checked whenever one is given. */
  read(reservationId: number, recordId: number, offset: number, count: number): RecordReadResult {
    if (!this.reservation.permitsRead(reservationId, offset)) return { cc: CompletionCode.RESERVATION_CANCELLED };
    const index = this.indexOf(recordId);
    if (index < 0) return { cc: CompletionCode.NOT_PRESENT };
    const next = index + 1 < this.entries.length ? this.entries[index + 1].recordId : 0xffff;
    return partialRead(encodeSel(this.entries[index]), next, offset, count);
  }

  /** Delete SEL Entry. The deleter keeps its reservation (ipmitool deletes a list of IDs under one). */
  delete(reservationId: number, recordId: number, now: number): { cc: number; recordId?: number } {
    if (!this.reservationValid(reservationId)) return { cc: CompletionCode.RESERVATION_CANCELLED };
    const index = this.indexOf(recordId);
    if (index < 0) return { cc: CompletionCode.NOT_PRESENT };
    const [gone] = this.entries.splice(index, 1);
    this.lastErase = this.time(now);
    return { cc: 0, recordId: gone.recordId };
  }

  /**
   * Clears the log at once (erasure completes immediately), then logs "Log area reset/cleared". The clearer keeps
   * its reservation, so that it can poll the erasure status with it (FreeIPMI does).
   */
  clear(now: number): void {
    this.entries = [];
    this.overflow = false;
    this.lastErase = this.time(now);
    this.logDiscrete('event-log', SensorType.EVENT_LOGGING_DISABLED, Offset.LOG_CLEARED, false, now);
  }

  private sensorNumber(role: DiscreteRole): number {
    const spec = this.sensors?.specs.find((s) => s.kind === 'discrete' && s.role === role);
    return spec?.number ?? 0;
  }

  private logDiscrete(role: DiscreteRole, sensorType: number, offset: number, deassertion: boolean, now: number): void {
    this.logSystemEvent(sensorType, this.sensorNumber(role), EventReadingType.SENSOR_SPECIFIC, [offset, UNSPECIFIED, UNSPECIFIED], deassertion, now);
  }

  /** The model's change listener: power, reset, NMI and identify changes become SEL entries. */
  recordChange(event: BmcEvent): void {
    const at = event.at;
    if (event.kind === 'power') {
      switch (event.outcome) {
        case 'powered-off': this.logDiscrete('power-unit', SensorType.POWER_UNIT, Offset.POWER_OFF, false, at); break;
        case 'powered-on': this.logDiscrete('power-unit', SensorType.POWER_UNIT, Offset.POWER_OFF, true, at); break; // deasserted
        case 'power-cycled': this.logDiscrete('power-unit', SensorType.POWER_UNIT, Offset.POWER_CYCLE, false, at); break;
        case 'reset': this.logDiscrete('system-restart', SensorType.SYSTEM_BOOT_INITIATED, Offset.BOOT_HARD_RESET, false, at); break;
        case 'diagnostic-interrupt': this.logDiscrete('critical-interrupt', SensorType.CRITICAL_INTERRUPT, Offset.DIAGNOSTIC_INTERRUPT, false, at); break;
        default: break;
      }
    } else if (event.kind === 'identify') {
      this.add({
        recordId: 0, recordType: SEL_OEM_TIMESTAMPED_FIRST, timestamp: 0, manufacturerId: this.manufacturerId,
        oemData: [...IDENTIFY_OEM_TAG, IDENTIFY_STATE[event.state], 0, 0, 0],
      }, at);
    }
  }

  /** The sensor scan: logs every threshold crossing since the last scan (§29.7, event data per Table 29-6). */
  scan(now: number): number {
    if (!this.sensors) return 0;
    const crossings = this.sensors.poll(now);
    for (const c of crossings) {
      this.logSystemEvent(c.sensor.sensorType, c.sensor.number, EventReadingType.THRESHOLD, [thresholdEventData1(c.offset), c.raw, c.thresholdRaw], !c.assertion, now);
    }
    return crossings.length;
  }
}
