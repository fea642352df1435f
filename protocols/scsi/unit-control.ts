// The unit's state commands — SPC-4 TEST UNIT READY and PREVENT ALLOW MEDIUM REMOVAL, SBC-3 / MMC-6
// START STOP UNIT (LOEJ with START = 0 ejects the medium; power conditions are accepted and change nothing).
import { ScsiOpcode, readCdb } from './cdb.js';

export interface TestUnitReadyCommand {
  op: 'test-unit-ready';
}

export interface PreventAllowCommand {
  op: 'prevent-allow';
  /** PREVENT bit 0 of byte 4: the host locks the medium in; bit 1 (MMC's persistent prevent) is treated alike. */
  prevent: boolean;
}

export interface StartStopUnitCommand {
  op: 'start-stop';
  /** POWER CONDITION, byte 4 [7:4]: when not 0, LOEJ and START are ignored. */
  powerCondition: number;
  /** LOEJ, byte 4 bit 1: load (START = 1) or eject (START = 0) the medium. */
  loadEject: boolean;
  /** START, byte 4 bit 0. */
  start: boolean;
}

/** TEST UNIT READY: the operation code, then 4 reserved bytes and CONTROL, all 0. */
export function encodeTestUnitReady(): Buffer {
  return Buffer.from([ScsiOpcode.testUnitReady, 0, 0, 0, 0, 0]);
}

export function decodeTestUnitReady(input: Uint8Array): TestUnitReadyCommand {
  readCdb(input, 6, 'TEST UNIT READY');
  return { op: 'test-unit-ready' };
}

export function decodePreventAllow(input: Uint8Array): PreventAllowCommand {
  const cdb = readCdb(input, 6, 'PREVENT ALLOW MEDIUM REMOVAL');
  return { op: 'prevent-allow', prevent: (cdb[4] & 0x03) !== 0 };
}

/** START STOP UNIT: byte 1 bit 0 IMMED (ignored: everything here is immediate), byte 4 as above. */
export function decodeStartStopUnit(input: Uint8Array): StartStopUnitCommand {
  const cdb = readCdb(input, 6, 'START STOP UNIT');
  return { op: 'start-stop', powerCondition: cdb[4] >> 4, loadEject: (cdb[4] & 0x02) !== 0, start: (cdb[4] & 0x01) !== 0 };
}

/** True when START STOP UNIT asks for the medium to be ejected. */
export function isEject(c: StartStopUnitCommand): boolean {
  return c.powerCondition === 0 && c.loadEject && !c.start;
}
