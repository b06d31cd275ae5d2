import { setTimeout as delay } from "node:timers/promises";

export interface WaitForOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs?: number;
  /** Time between checks (ms). */
  readonly intervalMs?: number;
  /** Named in the timeout error. */
  readonly what?: string;
}

/**
 * Polls `condition` until it returns true, rejecting once the deadline passes: the way tests wait
 * for something asynchronous without sleeping a guessed amount.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? "a condition"}`);
    await delay(options.intervalMs ?? 2);
  }
}
