/**
 * A bounded map that keeps what was used lately, cheaply: entries live in a young and an old
 * generation of at most `capacity / 2` each. A hit in the young one costs one lookup and no
 * reordering (an exact LRU re-inserts the key on every hit, which on a hot path such as the
 * per-send device-list lookup costs more than the lookup itself); a hit in the old one moves the
 * entry to the young one. When the young generation is full it becomes the old one and the
 * previous old one is dropped whole. So an entry survives while it is used at least once per
 * generation, and at most `capacity` entries are held.
 */
export class RecencyCache<K, V> {
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError("a recency cache holds at least 2 entries");
    this.#half = Math.floor(capacity / 2);
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#insert(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    this.#old.delete(key);
    if (this.#young.has(key)) this.#young.set(key, value);
    else this.#insert(key, value);
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  /** Entries held now (both generations). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** Every value held, young generation first. */
  *values(): IterableIterator<V> {
    yield* this.#young.values();
    yield* this.#old.values();
  }

  #insert(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
