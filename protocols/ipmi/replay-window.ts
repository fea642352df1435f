// Inbound session sequence checking — IPMI 2.0 §6.12.13 (v1.5: 8-deep window) and §13.14 (RMCP+: accept
// up to 15 behind the highest seen, never a duplicate, never 0 for authenticated packets).

export class ReplayWindow {
  private highest: number;
  /** Bit i set = sequence (highest - i) was seen. */
  private seen = 0;
  private readonly behind: number;
  private readonly ahead: number;

  /** `start` is the last sequence number considered seen (the next expected is start + 1). */
  constructor(start = 0, behind = 16, ahead = 32) {
    this.highest = start >>> 0;
    this.behind = Math.min(behind, 31);
    this.ahead = ahead;
  }

  /** Would `seq` be accepted? Does not change state: callers check integrity first, then `accept`. */
  check(seq: number): boolean {
    seq >>>= 0;
    if (seq === 0) return false;
    const forward = (seq - this.highest) >>> 0;
    if (forward !== 0 && forward <= this.ahead) return true;
    const back = (this.highest - seq) >>> 0;
    if (back >= this.behind) return false;
    return (this.seen & (1 << back)) === 0;
  }

  /** Records `seq` as seen; returns false (and changes nothing) if it is a replay or out of window. */
  accept(seq: number): boolean {
    if (!this.check(seq)) return false;
    seq >>>= 0;
    const forward = (seq - this.highest) >>> 0;
    if (forward !== 0 && forward <= this.ahead) {
      this.seen = forward >= 32 ? 0 : this.seen << forward;
      this.seen |= 1;
      this.highest = seq;
    } else {
      this.seen |= 1 << ((this.highest - seq) >>> 0);
    }
    return true;
  }
}
