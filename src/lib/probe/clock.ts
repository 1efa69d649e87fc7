/**
 * Stored times come from the system clock (SLA.md): a check is stamped with the wall clock
 * when it ran. The monotonic clock only measures durations inside one process, and so tells
 * when the wall clock stepped (a wrong clock corrected, a VM resumed, an operator's
 * `date -s`): the two clocks then part by more than a slew could explain.
 */

/** Wall and monotonic clocks parting by more than this between two looks is a clock step. */
export const STEP_MS = 2_000;

export class ClockWatch {
  private base: number;

  constructor(
    private readonly wall: () => number = Date.now,
    private readonly mono: () => number = () => performance.now(),
  ) {
    this.base = this.wall() - this.mono();
  }

  /**
   * How far the wall clock stepped since the last look (ms, negative: set back), or 0. Each
   * look starts from the present, so a slow slew (NTP) never adds up to a step.
   */
  look(): number {
    const base = this.wall() - this.mono();
    const moved = base - this.base;
    this.base = base;
    return Math.abs(moved) > STEP_MS ? Math.round(moved) : 0;
  }
}
