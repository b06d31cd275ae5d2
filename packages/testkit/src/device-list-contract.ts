import { describe, expect, it } from "vitest";
import type { DeviceListRecord } from "../../server/src/ports/index.js";
import { randomUuid } from "./seeded-random.js";
import { linkTestDevice, registerTestAccount, useStores, type StoreContext, type StoresFactory } from "./store-fixtures.js";

/** A device list of `version` with a random statement and signature, stamped now. */
function deviceList(ctx: StoreContext, version: number): DeviceListRecord {
  return { version, statement: ctx.random.bytes(40), signature: ctx.random.bytes(64), updatedAt: ctx.clock.now() };
}

/** The guarantees of AccountStore.putDeviceList and getDeviceList: versions only grow, atomically. */
export function describeDeviceListContract(name: string, factory: StoresFactory): void {
  describe(`AccountStore device list contract: ${name}`, () => {
    const context = useStores(factory);

    it("stores a device list and returns it", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toBeUndefined();
      const list = deviceList(ctx, 1);
      expect(await ctx.stores.accounts.putDeviceList(account.id, list)).toBe("stored");
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toEqual(list);
    });

    it("keeps its own copy of the bytes", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const list = deviceList(ctx, 1);
      const expected = structuredClone(list);
      await ctx.stores.accounts.putDeviceList(account.id, list);
      list.statement.fill(0);
      const read = await ctx.stores.accounts.getDeviceList(account.id);
      read?.signature.fill(0);
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toEqual(expected);
    });

    it("replaces the list only with a higher version", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const second = deviceList(ctx, 2);
      expect(await ctx.stores.accounts.putDeviceList(account.id, second)).toBe("stored");
      expect(await ctx.stores.accounts.putDeviceList(account.id, deviceList(ctx, 2))).toBe("stale");
      expect(await ctx.stores.accounts.putDeviceList(account.id, deviceList(ctx, 1))).toBe("stale");
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toEqual(second);
      const later = { ...deviceList(ctx, 7), updatedAt: ctx.clock.advance(1_000) };
      expect(await ctx.stores.accounts.putDeviceList(account.id, later)).toBe("stored");
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toEqual(later);
    });

    it("stores exactly one of concurrent lists with the same version", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const lists = Array.from({ length: 5 }, () => deviceList(ctx, 3));
      const results = await Promise.all(lists.map((list) => ctx.stores.accounts.putDeviceList(account.id, list)));
      expect(results.filter((result) => result === "stored")).toHaveLength(1);
      expect(results.filter((result) => result === "stale")).toHaveLength(4);
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toEqual(lists[results.indexOf("stored")]);
    });

    it("refuses a list for an unknown account", async () => {
      const ctx = context();
      const accountId = randomUuid(ctx.random);
      expect(await ctx.stores.accounts.putDeviceList(accountId, deviceList(ctx, 1))).toBe("unknown");
      expect(await ctx.stores.accounts.getDeviceList(accountId)).toBeUndefined();
    });

    it("re-registering deletes the list, so the new registration starts again from any version", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx, { identifier: "carol" });
      await ctx.stores.accounts.putDeviceList(account.id, deviceList(ctx, 5));
      await registerTestAccount(ctx, { identifier: "carol" });
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toBeUndefined();
      expect(await ctx.stores.accounts.putDeviceList(account.id, deviceList(ctx, 1))).toBe("stored");
    });

    it("linking and removing devices keep the list", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const list = deviceList(ctx, 1);
      await ctx.stores.accounts.putDeviceList(account.id, list);
      const linked = await linkTestDevice(ctx, account);
      expect(await ctx.stores.accounts.removeDevice(linked)).toBe(true);
      expect(await ctx.stores.accounts.getDeviceList(account.id)).toEqual(list);
    });

    it("keeps each account's list apart", async () => {
      const ctx = context();
      const alice = await registerTestAccount(ctx);
      const bob = await registerTestAccount(ctx);
      const list = deviceList(ctx, 4);
      await ctx.stores.accounts.putDeviceList(alice.account.id, list);
      expect(await ctx.stores.accounts.getDeviceList(bob.account.id)).toBeUndefined();
      expect(await ctx.stores.accounts.putDeviceList(bob.account.id, deviceList(ctx, 1))).toBe("stored");
      expect(await ctx.stores.accounts.getDeviceList(alice.account.id)).toEqual(list);
    });
  });
}
