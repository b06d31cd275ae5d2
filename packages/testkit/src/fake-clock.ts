import type { Clock } from "../../server/src/ports/index.js";

/** A Clock that moves only when told to. */
export class FakeClock implements Clock {
  #now: number;

  /** Starts at `start` ms since the epoch (a fixed date in 2023 by default). */
  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  set(ms: number): void {
    this.#now = ms;
  }

  /** Moves forward by `ms` (which must not be negative) and returns the new time. */
  advance(ms: number): number {
    if (ms < 0) throw new RangeError("a clock does not go backwards");
    this.#now += ms;
    return this.#now;
  }
}
