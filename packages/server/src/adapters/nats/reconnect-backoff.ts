/**
 * The wait before the next attempt to reach NATS again: a quarter of the outage so far, so
 * attempts thin out geometrically, kept between `initialMs` and `maxMs`, plus up to a fifth more
 * at random so that nodes cut off together do not return in step.
 *
 * The nats client asks for the wait again on every pass of its reconnect loop, not once per
 * attempt, so the wait depends on elapsed time rather than on how often it was asked.
 */
export class ReconnectBackoff {
  #outageStartedAt: number | undefined;

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    if (!(initialMs > 0 && maxMs >= initialMs)) throw new RangeError("reconnect delays need 0 < initial <= max");
  }

  delay(): number {
    const now = this.now();
    this.#outageStartedAt ??= now;
    const base = Math.min(this.maxMs, Math.max(this.initialMs, (now - this.#outageStartedAt) / 4));
    return Math.round(base * (1 + this.random() / 5));
  }

  /** Called once connected: the next outage starts from `initialMs` again. */
  reset(): void {
    this.#outageStartedAt = undefined;
  }
}
