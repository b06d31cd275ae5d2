// Open connections counted per key (an address, an account) against a cap. Keys with no open
// connection are forgotten, so memory follows what is open, not what was ever seen.
export class ConnectionCounter {
  readonly #open = new Map<string, number>();

  /** `cap` <= 0: no cap, only counting. */
  constructor(private readonly cap: number) {}

  /** Counts one more connection for `key`, unless that would exceed the cap: then false, nothing counted. */
  tryAcquire(key: string): boolean {
    const open = this.#open.get(key) ?? 0;
    if (this.cap > 0 && open >= this.cap) return false;
    this.#open.set(key, open + 1);
    return true;
  }

  /** Forgets one connection of `key`; each successful tryAcquire is released exactly once. */
  release(key: string): void {
    const open = this.#open.get(key) ?? 0;
    if (open <= 1) this.#open.delete(key);
    else this.#open.set(key, open - 1);
  }

  count(key: string): number {
    return this.#open.get(key) ?? 0;
  }

  /** Distinct keys with an open connection. */
  get keys(): number {
    return this.#open.size;
  }
}
