import { describe, expect, it } from "vitest";
import { describeKeyValueStoreContract } from "@parley/testkit";
import { MemoryKeyValueStore } from "../src/storage/memory-key-value-store.js";
import { StorageErrorCode } from "../src/storage/storage-error.js";

describeKeyValueStoreContract("memory", async () => {
  const store = new MemoryKeyValueStore();
  return { store, cleanup: () => store.close() };
});

describe("MemoryKeyValueStore", () => {
  it("hands out copies, so changing returned bytes changes nothing stored", async () => {
    const store = new MemoryKeyValueStore();
    await store.commit([{ key: "a/1", value: Uint8Array.of(1, 2) }]);
    const got = await store.get("a/1");
    got![0] = 9;
    const [scanned] = await store.scan("a/");
    scanned!.value[1] = 9;
    expect(await store.get("a/1")).toEqual(Uint8Array.of(1, 2));
  });

  it("rejects calls after close with STORE_CLOSED, and closing twice is harmless", async () => {
    const store = new MemoryKeyValueStore();
    await store.close();
    await store.close();
    await expect(store.get("a")).rejects.toMatchObject({ code: StorageErrorCode.Closed });
  });

  it("rejects a negative or fractional limit", async () => {
    const store = new MemoryKeyValueStore();
    await expect(store.scan("a/", { limit: -1 })).rejects.toThrow(RangeError);
    await expect(store.scan("a/", { limit: 1.5 })).rejects.toThrow(RangeError);
  });

  it("answers scans like a sorted list after many interleaved puts and deletes", async () => {
    const store = new MemoryKeyValueStore();
    const model = new Map<string, number>();
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const key = `k/${next() % 50}`;
      if (next() % 3 === 0) {
        model.delete(key);
        await store.commit([{ key, value: undefined }]);
      } else {
        model.set(key, round);
        await store.commit([{ key, value: Uint8Array.of(round) }]);
      }
    }
    const expected = [...model.keys()].sort();
    expect((await store.scan("k/")).map((entry) => entry.key)).toEqual(expected);
    expect((await store.scan("k/", { reverse: true, limit: 5 })).map((entry) => entry.key)).toEqual([...expected].reverse().slice(0, 5));
    expect((await store.scan("k/", { after: expected[10]! })).map((entry) => entry.key)).toEqual(expected.slice(11));
  });
});
