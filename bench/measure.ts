// Timing helpers for benchmarks: run an operation in batches until a time budget is spent and
// report operations per second of wall time (the process is alone on its core), and medians over
// interleaved rounds, since a shared machine's speed drifts between and within runs.

export interface Rate {
  perSecond: number;
  operations: number;
  seconds: number;
}

/** Calls `op` (which performs `batch` operations) repeatedly for at least `seconds`, after a warm-up. */
export async function measureRate(op: () => Promise<void>, batch: number, seconds: number, warmupSeconds = 0.5): Promise<Rate> {
  const warmupEnd = performance.now() + warmupSeconds * 1000;
  while (performance.now() < warmupEnd) await op();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let operations = 0;
  while (performance.now() < deadline) {
    await op();
    operations += batch;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { perSecond: operations / elapsed, operations, seconds: elapsed };
}

/** A longer warm-up before a measurement's first round only; later rounds run on a warm process. */
export function warmupFor(round: number): number {
  return round === 0 ? 0.5 : 0.1;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Two implementations measured on the same operation, one rate per round each. */
export interface Comparison {
  parley: number[];
  libsignal: number[];
}

/** A side's measurement for one round; it keeps its own state (sessions, stores) across rounds. */
export type Measure = (round: number) => Promise<Rate>;

/**
 * Measures both sides in `rounds` interleaved rounds, swapping which goes first every round, so
 * that a slow phase of the machine hits both about equally.
 */
export async function compareInRounds(rounds: number, parley: Measure, libsignal: Measure): Promise<Comparison> {
  const result: Comparison = { parley: [], libsignal: [] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      result.parley.push((await parley(round)).perSecond);
      result.libsignal.push((await libsignal(round)).perSecond);
    } else {
      result.libsignal.push((await libsignal(round)).perSecond);
      result.parley.push((await parley(round)).perSecond);
    }
  }
  return result;
}

/** Medians of each side's rates and of the per-round ratios (parley / libsignal), with the ratios' range. */
export function summarize(comparison: Comparison): { parley: number; libsignal: number; ratio: number; minRatio: number; maxRatio: number } {
  const ratios = comparison.parley.map((rate, i) => rate / comparison.libsignal[i]!);
  return {
    parley: median(comparison.parley),
    libsignal: median(comparison.libsignal),
    ratio: median(ratios),
    minRatio: Math.min(...ratios),
    maxRatio: Math.max(...ratios),
  };
}

export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}
