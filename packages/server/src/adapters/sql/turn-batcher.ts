// Gathers the requests made during one event-loop turn and serves them with one call, for
// statements whose cost is mostly the round trip (PostgreSQL over the network).

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** One item's outcome, for runs whose items can fail one by one. */
export type Outcome<R> = { readonly value: R } | { readonly error: unknown };

/**
 * `run` receives every item of a turn, in request order, and returns one outcome per item in the
 * same order; if it throws, every request of the turn rejects with that error.
 */
export class TurnBatcher<T, R> {
  #pending: Pending<T, R>[] = [];

  constructor(private readonly run: (items: readonly T[]) => Promise<readonly Outcome<R>[]>) {}

  request(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => void this.#flush());
      this.#pending.push({ item, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const group = this.#pending;
    this.#pending = [];
    try {
      const outcomes = await this.run(group.map((p) => p.item));
      group.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined) p.reject(new Error("the batch returned no outcome for a request"));
        else if ("error" in outcome) p.reject(outcome.error);
        else p.resolve(outcome.value);
      });
    } catch (error) {
      for (const p of group) p.reject(error);
    }
  }
}
