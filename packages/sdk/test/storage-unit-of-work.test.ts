import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import type { Entry, KeyValueStore, ScanOptions, Write } from "../src/storage/key-value-store.js";
import { MemoryKeyValueStore } from "../src/storage/memory-key-value-store.js";
import { StorageErrorCode } from "../src/storage/storage-error.js";
import { StorageRunner, type UnitOfWork } from "../src/storage/unit-of-work.js";

const b = (...values: number[]) => Uint8Array.from(values);

/** A memory store that records the batches committed to it and can be told to fail the next one. */
class RecordingStore implements KeyValueStore {
  readonly inner = new MemoryKeyValueStore();
  readonly batches: Write[][] = [];
  failNextCommit = false;
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  scan(prefix: string, options?: ScanOptions): Promise<Entry[]> {
    return this.inner.scan(prefix, options);
  }
  async commit(batch: readonly Write[]): Promise<void> {
    if (this.failNextCommit) {
      this.failNextCommit = false;
      throw new Error("disk full");
    }
    this.batches.push([...batch]);
    await this.inner.commit(batch);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("UnitOfWork", () => {
  it("reads its own writes, and the store sees none of them before the unit ends", async () => {
    const store = new RecordingStore();
    await store.commit([{ key: "a/1", value: b(1) }, { key: "a/2", value: b(2) }]);
    await new StorageRunner(store).run(async (tx) => {
      tx.put("a/1", b(10));
      tx.delete("a/2");
      tx.put("a/3", b(3));
      expect(await tx.get("a/1")).toEqual(b(10));
      expect(await tx.get("a/2")).toBeUndefined();
      expect(await tx.get("a/3")).toEqual(b(3));
      expect(await store.get("a/1")).toEqual(b(1));
      expect(await store.get("a/3")).toBeUndefined();
    });
    expect(await store.get("a/1")).toEqual(b(10));
    expect(await store.get("a/2")).toBeUndefined();
  });

  it("lists one pending write per key, the latest, in first-written order", async () => {
    await new StorageRunner(new MemoryKeyValueStore()).run(async (tx) => {
      const value = b(1);
      tx.put("k/b", value);
      tx.put("k/a", b(2));
      tx.delete("k/b");
      tx.put("k/b", value);
      value[0] = 9;
      expect(tx.pendingWrites).toEqual([
        { key: "k/b", value: b(1) },
        { key: "k/a", value: b(2) },
      ]);
    });
  });

  it("merges pending writes into scans exactly as if they were committed", async () => {
    const stored = Array.from({ length: 12 }, (_, i) => `s/${String(i * 2).padStart(2, "0")}`);
    const pending: Write[] = [
      { key: "s/00", value: undefined },
      { key: "s/03", value: b(3) },
      { key: "s/04", value: b(44) },
      { key: "s/10", value: undefined },
      { key: "s/12", value: undefined },
      { key: "s/25", value: b(25) },
      { key: "s/99", value: undefined },
      { key: "t/00", value: b(0) },
      { key: "s", value: b(0) },
    ];
    const options: (ScanOptions | undefined)[] = [undefined, { limit: 3 }, { limit: 0 }, { after: "s/04" }, { after: "s/03", limit: 4 }];
    const withReverse = options.flatMap((option) => [option, { ...option, reverse: true }]);
    const base = stored.map((key) => ({ key, value: b(1) }));
    const expectedStore = new MemoryKeyValueStore();
    await expectedStore.commit([...base, ...pending]);
    const store = new MemoryKeyValueStore();
    await store.commit(base);
    await new StorageRunner(store).run(async (tx) => {
      for (const write of pending) {
        if (write.value === undefined) tx.delete(write.key);
        else tx.put(write.key, write.value);
      }
      for (const option of withReverse) {
        expect(await tx.scan("s/", option), JSON.stringify(option)).toEqual(await expectedStore.scan("s/", option));
      }
    });
  });

  it("throws STORE_UNIT_ENDED when used after its run settled", async () => {
    let leaked: UnitOfWork | undefined;
    await new StorageRunner(new MemoryKeyValueStore()).run(async (tx) => {
      leaked = tx;
    });
    expect(() => leaked!.put("a", b(1))).toThrow(expect.objectContaining({ code: StorageErrorCode.UnitEnded }));
    await expect(leaked!.get("a")).rejects.toMatchObject({ code: StorageErrorCode.UnitEnded });
  });
});

describe("StorageRunner", () => {
  it("commits a unit's writes in one batch and resolves with the unit's value", async () => {
    const store = new RecordingStore();
    const value = await new StorageRunner(store).run(async (tx) => {
      tx.put("x/1", b(1));
      tx.put("x/2", b(2));
      return "done";
    });
    expect(value).toBe("done");
    expect(store.batches).toEqual([
      [
        { key: "x/1", value: b(1) },
        { key: "x/2", value: b(2) },
      ],
    ]);
  });

  it("commits nothing for a unit that only reads", async () => {
    const store = new RecordingStore();
    await new StorageRunner(store).run(async (tx) => tx.get("x/1"));
    expect(store.batches).toEqual([]);
  });

  it("discards the writes of a unit that rejects and rethrows its error", async () => {
    const store = new RecordingStore();
    const failure = new Error("decrypt failed");
    const runner = new StorageRunner(store);
    await expect(
      runner.run(async (tx) => {
        tx.put("x/1", b(1));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(store.batches).toEqual([]);
    expect(await store.get("x/1")).toBeUndefined();
  });

  it("rejects with the store's error when the commit fails, and keeps running later units", async () => {
    const store = new RecordingStore();
    const runner = new StorageRunner(store);
    store.failNextCommit = true;
    await expect(runner.run(async (tx) => tx.put("x/1", b(1)))).rejects.toThrow("disk full");
    await runner.run(async (tx) => tx.put("x/2", b(2)));
    expect(await store.get("x/1")).toBeUndefined();
    expect(await store.get("x/2")).toEqual(b(2));
  });

  it("commits the writes of units that finish in one turn together, and each sees the ones before", async () => {
    const store = new RecordingStore();
    const runner = new StorageRunner(store);
    const seen: (number | undefined)[] = [];
    const units = Array.from({ length: 5 }, (_, i) =>
      runner.run(async (tx) => {
        seen.push((await tx.get("counter"))?.[0]);
        tx.put("counter", b(i + 1));
        tx.put(`x/${i}`, b(i));
      }),
    );
    await Promise.all(units);
    expect(seen).toEqual([undefined, 1, 2, 3, 4]);
    // Far fewer commits than units; every write reached the store.
    expect(store.batches.length).toBeLessThan(5);
    expect(await store.get("counter")).toEqual(b(5));
    expect((await store.scan("x/")).length).toBe(5);
  });

  it("fails the units that read a write whose commit then failed", async () => {
    const store = new RecordingStore();
    const runner = new StorageRunner(store);
    store.failNextCommit = true;
    const first = runner.run(async (tx) => tx.put("x/1", b(1)));
    const second = runner.run(async (tx) => {
      const earlier = await tx.get("x/1");
      tx.put("x/2", earlier ?? b(0));
    });
    await expect(first).rejects.toThrow("disk full");
    await expect(second).rejects.toThrow();
    expect(await store.get("x/2")).toBeUndefined();
    await runner.run(async (tx) => tx.put("x/3", b(3)));
    expect(await store.get("x/3")).toEqual(b(3));
  });

  it("runs units one at a time, in the order run was called", async () => {
    const runner = new StorageRunner(new MemoryKeyValueStore());
    const events: string[] = [];
    const gate = deferred();
    const first = runner.run(async (tx) => {
      events.push("first start");
      tx.put("c/n", b(1));
      await gate.promise;
      events.push("first end");
    });
    const second = runner.run(async (tx) => {
      events.push("second start");
      const seen = await tx.get("c/n");
      tx.put("c/n", b(seen![0]! + 1));
    });
    const third = runner.run(async (tx) => {
      events.push("third start");
      return tx.get("c/n");
    });
    await Promise.resolve();
    gate.resolve();
    await Promise.all([first, second]);
    expect(await third).toEqual(b(2));
    expect(events).toEqual(["first start", "first end", "second start", "third start"]);
  });

  it("keeps running units after one rejected", async () => {
    const runner = new StorageRunner(new MemoryKeyValueStore());
    const failed = runner.run(async () => {
      throw new Error("boom");
    });
    const next = runner.run(async () => "ran");
    await expect(failed).rejects.toThrow("boom");
    expect(await next).toBe("ran");
  });

  it("refuses a nested run started before the unit's first await", async () => {
    const runner = new StorageRunner(new MemoryKeyValueStore());
    let nested: Promise<unknown> | undefined;
    await runner.run(async () => {
      nested = runner.run(async () => undefined);
    });
    await expect(nested).rejects.toMatchObject({ code: StorageErrorCode.NestedRun });
  });

  it("refuses a nested run anywhere inside the unit when given an async context", async () => {
    const runner = new StorageRunner(new MemoryKeyValueStore(), { asyncContext: new AsyncLocalStorage<readonly object[]>() });
    const outcome = await runner.run(async (tx) => {
      await tx.get("a");
      await Promise.resolve();
      return runner.run(async () => "inner").then(
        () => "ran",
        (error: { code?: string }) => error.code,
      );
    });
    expect(outcome).toBe(StorageErrorCode.NestedRun);
    expect(await runner.run(async () => "later")).toBe("later");
  });

  it("lets a unit use another runner, but not re-enter its own through it", async () => {
    const context = new AsyncLocalStorage<readonly object[]>();
    const outer = new StorageRunner(new MemoryKeyValueStore(), { asyncContext: context });
    const inner = new StorageRunner(new MemoryKeyValueStore(), { asyncContext: context });
    const result = await outer.run(async () => {
      await Promise.resolve();
      return inner.run(async () => outer.run(async () => "deadlock").catch((error: { code?: string }) => error.code));
    });
    expect(result).toBe(StorageErrorCode.NestedRun);
  });
});
