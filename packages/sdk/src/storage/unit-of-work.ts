// Read-your-writes transactions over a KeyValueStore. A unit of work buffers its writes and reads
// through them; the runner executes units one at a time and commits each unit's writes as one
// atomic batch, so a multi-step operation (decrypt, store the advanced session, the message and
// the "processed" mark) is stored entirely or not at all.
import type { Entry, KeyValueStore, ScanOptions, Write } from "./key-value-store.js";
import { compareKeys, inScanRange, scanLimit } from "./scan-range.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";

/**
 * One operation's view of the store: its own pending writes over what is stored. Writes are
 * buffered (nothing reaches the store before the unit commits) and reads see them. Valid only
 * while its `run` is in progress; afterwards every method throws STORE_UNIT_ENDED.
 */
export interface UnitOfWork {
  /** The pending value if this unit wrote `key`, else the stored one. The bytes are a copy. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** As KeyValueStore.scan, over the stored entries with this unit's writes applied. */
  scan(prefix: string, options?: ScanOptions): Promise<Entry[]>;
  /** Buffers a write of a copy of `value`. */
  put(key: string, value: Uint8Array): void;
  /** Buffers a delete; deleting an absent key is not an error. */
  delete(key: string): void;
  /** Copies of the buffered writes, one per key (the latest), in the order keys were first written. */
  readonly pendingWrites: readonly Write[];
}

class BufferedUnitOfWork implements UnitOfWork {
  /** Latest write per key; undefined marks a delete. */
  readonly #pending = new Map<string, Uint8Array | undefined>();
  #ended = false;

  constructor(private readonly store: KeyValueStore) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertActive();
    if (this.#pending.has(key)) return this.#pending.get(key)?.slice();
    return this.store.get(key);
  }

  async scan(prefix: string, options?: ScanOptions): Promise<Entry[]> {
    this.#assertActive();
    const limit = scanLimit(options);
    const after = options?.after;
    const pending = [...this.#pending].filter(([key]) => inScanRange(key, prefix, after));
    // Each pending key hides or replaces at most one stored entry, so this many stored entries
    // are enough to fill `limit` after the merge.
    const storedLimit = limit === Infinity ? undefined : limit + pending.length;
    const stored = await this.store.scan(prefix, { ...options, ...(storedLimit === undefined ? {} : { limit: storedLimit }) });
    const merged = new Map<string, Uint8Array>();
    for (const entry of stored) merged.set(entry.key, entry.value);
    for (const [key, value] of pending) {
      if (value === undefined) merged.delete(key);
      else merged.set(key, value.slice());
    }
    const direction = options?.reverse === true ? -1 : 1;
    const entries = [...merged].map(([key, value]) => ({ key, value }));
    entries.sort((a, b) => direction * compareKeys(a.key, b.key));
    return limit < entries.length ? entries.slice(0, limit) : entries;
  }

  put(key: string, value: Uint8Array): void {
    this.#assertActive();
    this.#pending.set(key, value.slice());
  }

  delete(key: string): void {
    this.#assertActive();
    this.#pending.set(key, undefined);
  }

  get pendingWrites(): readonly Write[] {
    return [...this.#pending].map(([key, value]) => ({ key, value: value?.slice() }));
  }

  end(): void {
    this.#ended = true;
  }

  #assertActive(): void {
    if (this.#ended) throw new StorageError(StorageErrorCode.UnitEnded, "the unit of work has ended");
  }
}

/**
 * The subset of Node's AsyncLocalStorage the runner uses to tell a nested `run` from a concurrent
 * one. Passed in by the composition root where the platform has it; one instance may serve any
 * number of runners (it holds the runners whose units enclose the current call).
 */
export interface AsyncContext<T> {
  run<R>(store: T, callback: () => R): R;
  getStore(): T | undefined;
}

export type RunnerContext = AsyncContext<readonly object[]>;

export interface StorageRunnerOptions {
  /**
   * Lets `run` recognise a call made from inside a unit, however deep in its awaits, and throw
   * STORE_NESTED_RUN. Without it only a call made before the unit's first await is recognised;
   * a later nested call waits for its own caller forever.
   */
  readonly asyncContext?: RunnerContext;
}

/**
 * Runs units of work one at a time, in the order `run` was called. Isolation holds against
 * everything that writes through this runner; writes made to the store directly may interleave.
 */
export class StorageRunner {
  readonly #store: KeyValueStore;
  readonly #context: RunnerContext | undefined;
  /** Settles when the last unit queued so far has finished. */
  #tail: Promise<void> = Promise.resolve();
  /** The unit whose function is executing synchronously now (the fallback nesting check). */
  #entering: object | undefined;

  constructor(store: KeyValueStore, options: StorageRunnerOptions = {}) {
    this.#store = store;
    this.#context = options.asyncContext;
  }

  /**
   * Runs `fn` with a fresh unit of work once every earlier unit has finished. When `fn` resolves,
   * its writes are committed in one batch and `run` resolves with fn's value after the commit;
   * when `fn` rejects, or the commit does, nothing is written and `run` rejects with that error.
   * Called from inside `fn`, `run` rejects at once with STORE_NESTED_RUN (see
   * StorageRunnerOptions.asyncContext for when that is recognised): pass the unit on instead.
   */
  run<T>(fn: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    if (this.#entering !== undefined || this.#context?.getStore()?.includes(this) === true) {
      return Promise.reject(
        new StorageError(StorageErrorCode.NestedRun, "StorageRunner.run called from inside a unit of work; pass that unit on instead"),
      );
    }
    const previous = this.#tail;
    const result = previous.then(() => this.#execute(fn));
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async #execute<T>(fn: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    const unit = new BufferedUnitOfWork(this.#store);
    let value: T;
    try {
      value = await this.#call(unit, fn);
    } finally {
      // Ended before the commit, so a write attempted later throws rather than being lost.
      unit.end();
    }
    const writes = unit.pendingWrites;
    if (writes.length > 0) await this.#store.commit(writes);
    return value;
  }

  #call<T>(unit: UnitOfWork, fn: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    const start = (): Promise<T> => {
      this.#entering = unit;
      try {
        return fn(unit);
      } finally {
        this.#entering = undefined;
      }
    };
    const context = this.#context;
    return context === undefined ? start() : context.run([...(context.getStore() ?? []), this], start);
  }
}
