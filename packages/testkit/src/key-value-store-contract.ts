import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KeyValueStore, Write } from "@parley/sdk";

/** A fresh, empty store and the way to dispose of it (closing it if the test has not). */
export interface KeyValueStoreFixture {
  readonly store: KeyValueStore;
  cleanup(): Promise<void>;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const put = (key: string, value: Uint8Array = text(key)): Write => ({ key, value });
const del = (key: string): Write => ({ key, value: undefined });

/** Byte equality without vitest's element-by-element diff, which is slow on a megabyte. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The guarantees of KeyValueStore (@parley/sdk storage/key-value-store.ts), for any backend. */
export function describeKeyValueStoreContract(name: string, open: () => Promise<KeyValueStoreFixture>): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let fixture: KeyValueStoreFixture | undefined;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      const current = fixture;
      fixture = undefined;
      await current?.cleanup();
    });
    const kv = (): KeyValueStore => {
      if (fixture === undefined) throw new Error("no store outside a test");
      return fixture.store;
    };
    const keysOf = async (prefix: string, options?: Parameters<KeyValueStore["scan"]>[1]): Promise<string[]> =>
      (await kv().scan(prefix, options)).map((entry) => entry.key);

    it("returns what was committed, and undefined for a key never written", async () => {
      await kv().commit([put("a/1", bytes(1, 2, 3))]);
      expect(await kv().get("a/1")).toEqual(bytes(1, 2, 3));
      expect(await kv().get("a/2")).toBeUndefined();
    });

    it("keeps every byte value, empty values and large values intact", async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const large = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31) & 0xff);
      await kv().commit([put("v/all", all), put("v/empty", new Uint8Array(0)), put("v/large", large)]);
      expect(await kv().get("v/all")).toEqual(all);
      expect(await kv().get("v/empty")).toEqual(new Uint8Array(0));
      expect(sameBytes(await kv().get("v/large"), large)).toBe(true);
      expect((await kv().scan("v/")).map((entry) => entry.value.length)).toEqual([256, 0, 1 << 20]);
    });

    it("scans in ascending key order whatever the order of writes", async () => {
      const keys = ["n/00000010", "n/00000002", "n/00000100", "n/00000001", "n/00000020"];
      for (const key of keys) await kv().commit([put(key)]);
      const entries = await kv().scan("n/");
      expect(entries.map((entry) => entry.key)).toEqual([...keys].sort());
      expect(entries.map((entry) => new TextDecoder().decode(entry.value))).toEqual([...keys].sort());
    });

    it("returns only keys that start with the prefix", async () => {
      await kv().commit(["a", "a/", "a/x", "a/y/z", "a0", "a.b", "b/x", "A/x", "/a/x"].map((key) => put(key)));
      expect(await keysOf("a/")).toEqual(["a/", "a/x", "a/y/z"]);
      expect(await keysOf("a/y/")).toEqual(["a/y/z"]);
      expect(await keysOf("a")).toEqual(["a", "a.b", "a/", "a/x", "a/y/z", "a0"]);
      expect(await keysOf("c/")).toEqual([]);
      expect(await keysOf("")).toEqual(["/a/x", "A/x", "a", "a.b", "a/", "a/x", "a/y/z", "a0", "b/x"]);
    });

    it("keeps non-ASCII keys inside their prefix", async () => {
      await kv().commit(["p/é", "p/z", "p/😀", "p0", "q/é"].map((key) => put(key)));
      expect(await keysOf("p/")).toEqual(["p/z", "p/é", "p/😀"]);
    });

    it("returns only keys strictly after `after`, and pages through a prefix exactly once", async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `m/${String(i).padStart(3, "0")}`);
      await kv().commit([...keys.map((key) => put(key)), put("l/999"), put("n/000")]);
      expect(await keysOf("m/", { after: "m/002" })).toEqual(keys.slice(3));
      expect(await keysOf("m/", { after: "m/0025" })).toEqual(keys.slice(3));
      expect(await keysOf("m/", { after: "m/006" })).toEqual([]);
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await keysOf("m/", { limit: 3, ...(after === undefined ? {} : { after }) });
        if (page.length === 0) break;
        seen.push(...page);
        after = page[page.length - 1];
      }
      expect(seen).toEqual(keys);
    });

    it("scans in descending order when reversed, honouring limit and after", async () => {
      const keys = ["r/1", "r/2", "r/3", "r/4", "r/5"];
      await kv().commit([...keys.map((key) => put(key)), put("r0"), put("q/9")]);
      expect(await keysOf("r/", { reverse: true })).toEqual([...keys].reverse());
      expect(await keysOf("r/", { reverse: true, limit: 2 })).toEqual(["r/5", "r/4"]);
      expect(await keysOf("r/", { reverse: true, after: "r/2" })).toEqual(["r/5", "r/4", "r/3"]);
      expect(await keysOf("r/", { reverse: true, after: "r/2", limit: 1 })).toEqual(["r/5"]);
    });

    it("returns at most `limit` entries, the first ones in key order", async () => {
      await kv().commit(["k/3", "k/1", "k/2", "k/4"].map((key) => put(key)));
      expect(await keysOf("k/", { limit: 2 })).toEqual(["k/1", "k/2"]);
      expect(await keysOf("k/", { limit: 10 })).toEqual(["k/1", "k/2", "k/3", "k/4"]);
      expect(await keysOf("k/", { limit: 0 })).toEqual([]);
    });

    it("applies a batch in order: a later write to the same key wins", async () => {
      await kv().commit([put("w/1", bytes(1)), put("w/1", bytes(2)), put("w/2", bytes(3)), del("w/2"), del("w/3"), put("w/3", bytes(4))]);
      expect(await kv().get("w/1")).toEqual(bytes(2));
      expect(await kv().get("w/2")).toBeUndefined();
      expect(await kv().get("w/3")).toEqual(bytes(4));
      expect(await keysOf("w/")).toEqual(["w/1", "w/3"]);
    });

    it("deletes committed keys, and deleting an absent key is not an error", async () => {
      await kv().commit([put("d/1"), put("d/2"), put("d/3")]);
      await kv().commit([del("d/2"), del("d/404")]);
      expect(await keysOf("d/")).toEqual(["d/1", "d/3"]);
      expect(await kv().get("d/2")).toBeUndefined();
      await kv().commit([]);
      expect(await keysOf("d/")).toEqual(["d/1", "d/3"]);
    });

    it("replaces a value written again in a later batch", async () => {
      await kv().commit([put("o/1", bytes(1, 1, 1, 1))]);
      await kv().commit([put("o/1", bytes(2))]);
      expect(await kv().get("o/1")).toEqual(bytes(2));
      expect(await kv().scan("o/")).toEqual([{ key: "o/1", value: bytes(2) }]);
    });

    it("applies nothing of a batch it rejects", async () => {
      await kv().commit([put("x/1", bytes(1))]);
      const bad = [put("x/1", bytes(9)), put("x/2", bytes(2)), { key: "x/3", value: "not bytes" as unknown as Uint8Array }];
      await expect(kv().commit(bad)).rejects.toThrow();
      expect(await kv().get("x/1")).toEqual(bytes(1));
      expect(await keysOf("x/")).toEqual(["x/1"]);
    });

    it("is not changed through an array that was written", async () => {
      const value = bytes(1, 2, 3);
      await kv().commit([put("c/1", value)]);
      value[0] = 99;
      expect(await kv().get("c/1")).toEqual(bytes(1, 2, 3));
      expect((await kv().scan("c/"))[0]?.value).toEqual(bytes(1, 2, 3));
    });

    it("rejects every call once closed", async () => {
      await kv().commit([put("z/1")]);
      await kv().close();
      await expect(kv().get("z/1")).rejects.toThrow();
      await expect(kv().scan("z/")).rejects.toThrow();
      await expect(kv().commit([put("z/2")])).rejects.toThrow();
    });
  });
}
