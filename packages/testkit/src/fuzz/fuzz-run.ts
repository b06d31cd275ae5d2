// Running one fuzz target: fast-check generates the inputs from a seed, a check judges each one,
// and a tally records what the inputs led to, so a run shows what it reached and not only that
// nothing failed. The same seed replays the same inputs (FUZZ_SEED).
import { createHash, randomInt } from "node:crypto";
import fc from "fast-check";

export interface FuzzRunOptions {
  /** The seed of the whole run; each target derives its own from it and its name. */
  readonly seed: number;
  /** Inputs to generate. */
  readonly numRuns: number;
}

export interface FuzzResult {
  readonly target: string;
  readonly inputs: number;
  readonly durationMs: number;
  /** How many inputs ended in each outcome ("ok", "WireError", "409 MISMATCHED_DEVICES", …). */
  readonly outcomes: ReadonlyMap<string, number>;
  /** The input that took longest to judge, described (for spotting amplification). */
  readonly slowest?: { readonly ms: number; readonly what: string };
}

/** Counts outcomes, and remembers the slowest input. */
export class Tally {
  readonly outcomes = new Map<string, number>();
  slowest: { ms: number; what: string } | undefined;

  count(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  timed(ms: number, what: () => string): void {
    if (this.slowest === undefined || ms > this.slowest.ms) this.slowest = { ms, what: what() };
  }
}

/** The run's seed: FUZZ_SEED when set (to replay a run), else a fresh one. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env["FUZZ_SEED"];
  if (given === undefined || given === "") return randomInt(0x7fffffff);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${given}`);
  return seed;
}

/** A target's own seed, so that adding or skipping a target leaves the others' inputs alone. */
export function targetSeed(seed: number, target: string): number {
  return createHash("sha256").update(`${seed}:${target}`).digest().readInt32LE(0);
}

/** A broken rule, found by a check. */
export class FuzzCheckError extends Error {
  override readonly name = "FuzzCheckError";
}

export function ensure(condition: boolean, what: string): asserts condition {
  if (!condition) throw new FuzzCheckError(what);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `a non-Error ${typeof error}`;
}

/** A failed target, with fast-check's report (counterexample, seed, path) and how to replay it. */
export class FuzzFailure extends Error {
  override readonly name = "FuzzFailure";
}

/** Largest report kept: counterexamples can hold megabyte bodies. */
const maxReportChars = 6000;

/**
 * Runs the asynchronous `check` on `numRuns` inputs from `arbitrary`, one at a time; it fails by
 * throwing. The first failing input is reported as it was, unshrunk: the checks run against a
 * live server whose state has moved on, so smaller inputs would not replay the same situation.
 */
export async function runFuzz<T>(
  target: string,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T, tally: Tally) => void | Promise<void>,
  options: FuzzRunOptions,
): Promise<FuzzResult> {
  const tally = new Tally();
  const started = performance.now();
  let inputs = 0;
  const property = fc.asyncProperty(arbitrary, async (input) => {
    inputs++;
    await check(input, tally);
  });
  const details = await fc.check(property, { numRuns: options.numRuns, seed: targetSeed(options.seed, target), endOnFailure: true });
  if (details.failed) throw failure(target, options, details);
  return resultOf(target, inputs, started, tally);
}

/** Runs the synchronous, stateless `check`; a failing input is shrunk before it is reported. */
export function runFuzzSync<T>(
  target: string,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T, tally: Tally) => void,
  options: FuzzRunOptions,
): FuzzResult {
  const tally = new Tally();
  const started = performance.now();
  let inputs = 0;
  const property = fc.property(arbitrary, (input) => {
    inputs++;
    check(input, tally);
  });
  const details = fc.check(property, { numRuns: options.numRuns, seed: targetSeed(options.seed, target) });
  if (details.failed) throw failure(target, options, details);
  return resultOf(target, inputs, started, tally);
}

function failure<T>(target: string, options: FuzzRunOptions, details: fc.RunDetails<T>): FuzzFailure {
  const error = details.errorInstance;
  const report = fc.defaultReportMessage(details) ?? "";
  const text = report.length > maxReportChars ? `${report.slice(0, maxReportChars)}… (${report.length} characters)` : report;
  const reason = describeError(error);
  return new FuzzFailure(`fuzz target ${target} failed: ${reason}\nreplay with FUZZ_SEED=${options.seed}\n${text}`, { cause: error });
}

function resultOf(target: string, inputs: number, started: number, tally: Tally): FuzzResult {
  return {
    target,
    inputs,
    durationMs: performance.now() - started,
    outcomes: tally.outcomes,
    ...(tally.slowest ? { slowest: tally.slowest } : {}),
  };
}

/** "ok 12, WireError 30" in descending order of count. */
export function formatOutcomes(outcomes: ReadonlyMap<string, number>, limit = 12): string {
  const sorted = [...outcomes.entries()].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, limit).map(([name, n]) => `${name} ${n}`);
  if (sorted.length > limit) shown.push(`+${sorted.length - limit} more`);
  return shown.join(", ");
}
