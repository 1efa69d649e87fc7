/**
 * The worker's own time line for stamping checks and scheduling them. It follows the wall
 * clock, but when the wall clock steps (a wrong clock corrected, a VM resumed, an operator's
 * `date -s`) the line does not jump: it keeps running on the monotonic clock and slews
 * towards the wall clock by at most SLEW_RATE of the time passing, as NTP does. So stamps
 * always rise (a check is never older than the one before it, so none is dropped from the
 * runs) and durations stay true within the slew rate. A start never goes below `floor`
 * (the newest stored check), so a clock set back across a restart cannot reorder checks either.
 */
export const SLEW_RATE = 0.1;
/** A difference between wall clock and time line larger than this is reported as a clock step. */
export const STEP_REPORT_MS = 2_000;

export class Timeline {
  private lastMono: number;
  private lastValue: number;

  constructor(
    floor = 0,
    private readonly wall: () => number = Date.now,
    private readonly mono: () => number = () => performance.now(),
  ) {
    this.lastMono = this.mono();
    this.lastValue = Math.max(this.wall(), floor);
  }

  /** The time line's present instant, epoch ms; never earlier than an earlier answer. */
  now(): number {
    const mono = this.mono();
    const dt = Math.max(0, mono - this.lastMono);
    const free = this.lastValue + dt;
    const diff = this.wall() - free;
    const bound = dt * SLEW_RATE;
    const value = Math.abs(diff) <= bound ? free + diff : free + Math.sign(diff) * bound;
    this.lastMono = mono;
    this.lastValue = value;
    return Math.ceil(value);
  }

  /** Wall clock minus the time line (positive: the wall clock is ahead), in ms. */
  offsetMs(): number {
    return this.wall() - this.now();
  }
}
