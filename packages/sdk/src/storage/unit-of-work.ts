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

/** What a unit of work reads through: the store, or the writes not yet committed over it. */
type Reader = Pick<KeyValueStore, "get" | "scan">;

class BufferedUnitOfWork implements UnitOfWork {
  /** Latest write per key; undefined marks a delete. */
  readonly #pending = new Map<string, Uint8Array | undefined>();
  #ended = false;

  /** `store` is what the unit reads below its own writes; the runner may re-point it. */
  constructor(public store: Reader) {}

  get isEmpty(): boolean {
    return this.#pending.size === 0;
  }

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
 * Runs units of work one at a time, in the order `run` was called, with group commit: when a
 * unit's function resolves, its writes join the batch being gathered and the next unit starts at
 * once, reading through every write not yet committed; the gathered batch is committed (one
 * `commit`, so one transaction and one sync of the store) on the next turn of the event loop, or
 * as soon as the batch before it is durable. Each `run` still resolves only when its writes are
 * durable. Isolation holds against everything that writes through this runner; writes made to the
 * store directly may interleave.
 */
export class StorageRunner {
  readonly #store: KeyValueStore;
  readonly #context: RunnerContext | undefined;
  /** Settles when the last unit queued so far has finished its function. */
  #tail: Promise<void> = Promise.resolve();
  /** The unit whose function is executing synchronously now (the fallback nesting check). */
  #entering: object | undefined;
  /** The batch being committed, and who waits for it. */
  #committing: { writes: BufferedUnitOfWork; waiters: Waiter[] } | undefined;
  /** Writes of finished units not yet committing (read through the committing batch). */
  #gathering: BufferedUnitOfWork;
  #gatheringWaiters: Waiter[] = [];
  #flushScheduled = false;
  /** Bumped when a commit fails: units that ran on top of its writes fail too. */
  #epoch = 0;

  constructor(store: KeyValueStore, options: StorageRunnerOptions = {}) {
    this.#store = store;
    this.#context = options.asyncContext;
    this.#gathering = new BufferedUnitOfWork(this.#belowGathering);
  }

  /** Reads below the gathered writes: the committing batch, else the store. */
  readonly #belowGathering: Reader = {
    get: (key) => (this.#committing ? this.#committing.writes.get(key) : this.#store.get(key)),
    scan: (prefix, options) => (this.#committing ? this.#committing.writes.scan(prefix, options) : this.#store.scan(prefix, options)),
  };

  /** What a new unit reads below its own writes: everything written before it. */
  readonly #belowUnit: Reader = {
    get: (key) => this.#gathering.get(key),
    scan: (prefix, options) => this.#gathering.scan(prefix, options),
  };

  /**
   * Runs `fn` with a fresh unit of work once every earlier unit has finished. When `fn` resolves,
   * its writes are committed in one batch (possibly with other units' writes) and `run` resolves
   * with fn's value once they are durable; when `fn` rejects, or the commit does, nothing of this
   * unit is written and `run` rejects with that error. A unit that read no uncommitted write and
   * wrote nothing resolves at once. Called from inside `fn`, `run` rejects at once with
   * STORE_NESTED_RUN (see StorageRunnerOptions.asyncContext for when that is recognised): pass
   * the unit on instead.
   */
  run<T>(fn: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    if (this.#entering !== undefined || this.#context?.getStore()?.includes(this) === true) {
      return Promise.reject(
        new StorageError(StorageErrorCode.NestedRun, "StorageRunner.run called from inside a unit of work; pass that unit on instead"),
      );
    }
    const previous = this.#tail;
    const executed = previous.then(() => this.#execute(fn));
    this.#tail = executed.then(
      () => undefined,
      () => undefined,
    );
    return executed.then((outcome) => outcome.durable.then(() => outcome.value));
  }

  async #execute<T>(fn: (tx: UnitOfWork) => Promise<T>): Promise<{ value: T; durable: Promise<void> }> {
    const epoch = this.#epoch;
    const unit = new BufferedUnitOfWork(this.#belowUnit);
    let value: T;
    try {
      value = await this.#call(unit, fn);
    } finally {
      // Ended before the commit, so a write attempted later throws rather than being lost.
      unit.end();
    }
    if (epoch !== this.#epoch) {
      throw new StorageError(StorageErrorCode.CommitFailed, "an earlier write this unit read from failed to commit");
    }
    const writes = unit.pendingWrites;
    if (writes.length === 0 && this.#gathering.isEmpty && this.#committing === undefined) return { value, durable: Promise.resolve() };
    for (const write of writes) {
      if (write.value === undefined) this.#gathering.delete(write.key);
      else this.#gathering.put(write.key, write.value);
    }
    const durable = new Promise<void>((resolve, reject) => this.#gatheringWaiters.push({ resolve, reject }));
    this.#scheduleFlush();
    return { value, durable };
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#committing !== undefined) return;
    this.#flushScheduled = true;
    nextTurn(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#committing !== undefined || this.#gatheringWaiters.length === 0) return;
    const batch = this.#gathering;
    const waiters = this.#gatheringWaiters;
    batch.store = this.#store;
    this.#committing = { writes: batch, waiters };
    this.#gathering = new BufferedUnitOfWork(this.#belowGathering);
    this.#gatheringWaiters = [];
    try {
      const writes = batch.pendingWrites;
      if (writes.length > 0) await this.#store.commit(writes);
      this.#committing = undefined;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      // Everything gathered since was computed on top of the failed writes: it fails as well.
      this.#epoch++;
      const dependent = this.#gatheringWaiters;
      this.#committing = undefined;
      this.#gathering = new BufferedUnitOfWork(this.#belowGathering);
      this.#gatheringWaiters = [];
      for (const waiter of [...waiters, ...dependent]) waiter.reject(error);
      return;
    }
    if (this.#gatheringWaiters.length > 0) this.#scheduleFlush();
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

/**
 * Runs `fn` after the I/O events already queued: Node's setImmediate (no delay), else a zero
 * timeout (browsers).
 */
const nextTurn: (fn: () => void) => void = (() => {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return immediate ? (fn: () => void) => void immediate(fn) : (fn: () => void) => void setTimeout(fn, 0);
})();

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}
