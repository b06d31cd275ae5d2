// Timing helpers for benchmarks: run an operation in batches until a time budget is spent and
// report operations per second of wall time (the process is alone on its core).

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

export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}
