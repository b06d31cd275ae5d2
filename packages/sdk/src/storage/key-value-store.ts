// The SDK's one storage port: an ordered key-value store with atomic batches. Everything the
// client keeps (its account, Signal sessions and prekeys, contacts, messages, the outbox, the ids
// of processed envelopes) lives in it under typed key prefixes (see ./keys.ts); the typed
// repositories on top are the SDK's own. One port instead of one per kind of record, because
// receiving a message must store the advanced session, the message and the envelope's
// "processed" mark in one atomic step, and an atomic batch is the one thing every engine (memory,
// SQLite, IndexedDB) offers alike. ADR 0007 has the reasoning.

/** A write: `value` undefined deletes the key. */
export interface Write {
  readonly key: string;
  readonly value: Uint8Array | undefined;
}

export interface ScanOptions {
  /** Only keys strictly greater than this (for paging); must start with the prefix. */
  readonly after?: string;
  /** Descending key order instead of ascending. */
  readonly reverse?: boolean;
  /** At most this many entries. */
  readonly limit?: number;
}

export interface Entry {
  readonly key: string;
  readonly value: Uint8Array;
}

export interface KeyValueStore {
  /** The value under `key`, or undefined. The caller may not mutate the returned bytes. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Entries whose key starts with `prefix`, ordered by key (compared as strings of UTF-16 code
   * units, i.e. JavaScript's `<`; keys used by the SDK are ASCII, where this equals byte order).
   */
  scan(prefix: string, options?: ScanOptions): Promise<Entry[]>;
  /**
   * Applies every write of `batch` atomically, in order (a later write to the same key wins), and
   * durably: when the promise resolves, the batch survives a crash of the process. A rejected
   * commit applied nothing.
   */
  commit(batch: readonly Write[]): Promise<void>;
  /** Releases the store; later calls reject. */
  close(): Promise<void>;
}
