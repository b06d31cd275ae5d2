// The key-range arithmetic shared by the in-memory store and the unit of work, so both answer a
// scan exactly as the KeyValueStore port defines it.
import type { ScanOptions, Write } from "./key-value-store.js";

/** JavaScript string order (UTF-16 code units), the order the port defines. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a scan of `prefix` with `after` covers `key` (before order and limit apply). */
export function inScanRange(key: string, prefix: string, after: string | undefined): boolean {
  return key.startsWith(prefix) && (after === undefined || key > after);
}

/** The limit as a count, Infinity when absent; rejects what no engine could honour alike. */
export function scanLimit(options: ScanOptions | undefined): number {
  const limit = options?.limit;
  if (limit === undefined) return Infinity;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError("scan limit must be a non-negative integer");
  return limit;
}

/** Rejects a malformed batch before any of it is applied, so a rejected commit applies nothing. */
export function assertValidBatch(batch: readonly Write[]): void {
  for (const write of batch) {
    if (typeof write.key !== "string") throw new TypeError("a write's key must be a string");
    if (write.value !== undefined && !(write.value instanceof Uint8Array)) {
      throw new TypeError("a write's value must be a Uint8Array, or undefined to delete");
    }
  }
}
