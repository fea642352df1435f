// Sequence numbers — RFC 7143 §4.2.2.1 (CmdSN, ExpCmdSN, MaxCmdSN) and §4.2.2.2 (StatSN): 32-bit counters
// compared with serial number arithmetic (RFC 1982, SERIAL_BITS = 32), so they may wrap.

/** a + n, wrapped to 32 bits. */
export function snAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a < b in serial number arithmetic (RFC 1982 §3.2); undefined for a distance of exactly 2^31, taken as false. */
export function snLess(a: number, b: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x8000_0000;
}

/** a <= b in serial number arithmetic. */
export function snLessOrEqual(a: number, b: number): boolean {
  return a === b || snLess(a, b);
}

/** Whether `cmdSn` lies in the command window [expCmdSn, maxCmdSn] (§4.2.2.1). */
export function inCommandWindow(cmdSn: number, expCmdSn: number, maxCmdSn: number): boolean {
  return snLessOrEqual(expCmdSn, cmdSn) && snLessOrEqual(cmdSn, maxCmdSn);
}
