// KeyValueStore in memory: for tests, and for clients that keep nothing between runs.
import type { Entry, KeyValueStore, ScanOptions, Write } from "./key-value-store.js";
import { assertValidBatch, compareKeys, inScanRange, scanLimit } from "./scan-range.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";

/**
 * The port's guarantees, for the life of the object: scans in key order, atomic commits (a batch
 * is checked whole before any write applies). "Durable" means only that a resolved commit is seen
 * by every later call; nothing survives the process. Values are copied on the way in and out, so
 * no caller can change stored bytes through an array it passed or received.
 */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly #values = new Map<string, Uint8Array>();
  /** The keys of #values, kept sorted for scans. */
  readonly #keys: string[] = [];
  #closed = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    return this.#values.get(key)?.slice();
  }

  async scan(prefix: string, options?: ScanOptions): Promise<Entry[]> {
    this.#assertOpen();
    const limit = scanLimit(options);
    const after = options?.after;
    const entries: Entry[] = [];
    if (limit === 0) return entries;
    const start = this.#lowerBound(after !== undefined && after >= prefix ? after : prefix);
    // The keys starting with `prefix` are contiguous: from the first key >= prefix to the last
    // key that starts with it.
    const end = this.#prefixEnd(prefix);
    const take = (index: number): boolean => {
      const key = this.#keys[index]!;
      if (!inScanRange(key, prefix, after)) return true;
      entries.push({ key, value: this.#values.get(key)!.slice() });
      return entries.length < limit;
    };
    if (options?.reverse === true) {
      for (let i = end - 1; i >= start && take(i); i--);
    } else {
      for (let i = start; i < end && take(i); i++);
    }
    return entries;
  }

  async commit(batch: readonly Write[]): Promise<void> {
    this.#assertOpen();
    assertValidBatch(batch);
    for (const { key, value } of batch) {
      if (value === undefined) this.#delete(key);
      else this.#put(key, value.slice());
    }
  }

  /** Idempotent. Drops the data; later calls reject with STORE_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#values.clear();
    this.#keys.length = 0;
  }

  #put(key: string, value: Uint8Array): void {
    if (!this.#values.has(key)) this.#keys.splice(this.#lowerBound(key), 0, key);
    this.#values.set(key, value);
  }

  #delete(key: string): void {
    if (!this.#values.delete(key)) return;
    this.#keys.splice(this.#lowerBound(key), 1);
  }

  /** Index of the first key >= `key`. */
  #lowerBound(key: string): number {
    return this.#partition((candidate) => compareKeys(candidate, key) < 0);
  }

  /** Index after the last key that is below `prefix` or starts with it. */
  #prefixEnd(prefix: string): number {
    return this.#partition((candidate) => candidate < prefix || candidate.startsWith(prefix));
  }

  /** The first index where `before` turns false; `before` must be true on a prefix of #keys. */
  #partition(before: (key: string) => boolean): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(this.#keys[middle]!)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError(StorageErrorCode.Closed, "the store is closed");
  }
}
