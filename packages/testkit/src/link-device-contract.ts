import { describe, expect, it } from "vitest";
import type { LinkInput } from "../../server/src/ports/index.js";
import { randomIdentityKey, newDevice, registerTestAccount, useStores, type StoreContext, type StoresFactory } from "./store-fixtures.js";

/** A link request with a fresh token for `accountId`, valid for a minute. */
async function tokenFor(ctx: StoreContext, accountId: string, key: Uint8Array, maxDevices = 5): Promise<LinkInput> {
  const tokenHash = ctx.random.bytes(32);
  await ctx.stores.accounts.createLinkToken(accountId, tokenHash, ctx.clock.now() + 60_000);
  return { tokenHash, now: ctx.clock.now(), identityKey: key, device: newDevice(ctx, "laptop"), maxDevices };
}

/** The guarantees of AccountStore.linkDevice: single-use tokens, expiry, identity, limits, ids. */
export function describeLinkDeviceContract(name: string, factory: StoresFactory): void {
  describe(`AccountStore linking contract: ${name}`, () => {
    const context = useStores(factory);

    it("links a device with its keys, giving linked devices ids from 2", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const link = await tokenFor(ctx, account.id, account.identityKey);
      expect(await ctx.stores.accounts.linkDevice(link)).toEqual({ ok: true, accountId: account.id, deviceId: 2 });
      const device = await ctx.stores.accounts.findDevice({ accountId: account.id, deviceId: 2 });
      expect(device?.name).toBe("laptop");
      expect(device?.passwordSalt).toEqual(link.device.passwordSalt);
      const claimed = await ctx.stores.keys.claim({ accountId: account.id, deviceId: 2 });
      expect(claimed?.signedPreKey).toEqual(link.device.signedPreKey);
      expect(claimed?.pqPreKey).toEqual(link.device.pqLastResortPreKey);
    });

    it("uses a token once, even when links race", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const link = await tokenFor(ctx, account.id, account.identityKey, 50);
      const attempts = Array.from({ length: 10 }, () => ({ ...link, device: newDevice(ctx) }));
      const results = await Promise.all(attempts.map((attempt) => ctx.stores.accounts.linkDevice(attempt)));
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok && result.reason === "token")).toHaveLength(9);
      expect(await ctx.stores.accounts.listDevices(account.id)).toHaveLength(2);
    });

    it("refuses an unknown token", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const link = await tokenFor(ctx, account.id, account.identityKey);
      const result = await ctx.stores.accounts.linkDevice({ ...link, tokenHash: ctx.random.bytes(32) });
      expect(result).toEqual({ ok: false, reason: "token" });
    });

    it("refuses an expired token and deletes it", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const link = await tokenFor(ctx, account.id, account.identityKey);
      const expired = await ctx.stores.accounts.linkDevice({ ...link, now: link.now + 60_000 });
      expect(expired).toEqual({ ok: false, reason: "token" });
      expect(await ctx.stores.accounts.linkDevice(link)).toEqual({ ok: false, reason: "token" });
      expect(await ctx.stores.accounts.listDevices(account.id)).toHaveLength(1);
    });

    it("refuses a different identity key and leaves the token usable", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const link = await tokenFor(ctx, account.id, account.identityKey);
      const wrong = await ctx.stores.accounts.linkDevice({ ...link, identityKey: randomIdentityKey(ctx.random) });
      expect(wrong).toEqual({ ok: false, reason: "identity" });
      expect(await ctx.stores.accounts.listDevices(account.id)).toHaveLength(1);
      expect((await ctx.stores.accounts.linkDevice(link)).ok).toBe(true);
    });

    it("refuses a device beyond the limit and leaves the token usable", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      expect((await ctx.stores.accounts.linkDevice(await tokenFor(ctx, account.id, account.identityKey, 2))).ok).toBe(true);
      const link = await tokenFor(ctx, account.id, account.identityKey, 2);
      expect(await ctx.stores.accounts.linkDevice(link)).toEqual({ ok: false, reason: "limit" });
      expect(await ctx.stores.accounts.listDevices(account.id)).toHaveLength(2);
      expect((await ctx.stores.accounts.linkDevice({ ...link, maxDevices: 3 })).ok).toBe(true);
    });

    it("never reuses the id of a removed device", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const first = await ctx.stores.accounts.linkDevice(await tokenFor(ctx, account.id, account.identityKey));
      expect(first).toEqual({ ok: true, accountId: account.id, deviceId: 2 });
      await ctx.stores.accounts.removeDevice({ accountId: account.id, deviceId: 2 });
      const second = await ctx.stores.accounts.linkDevice(await tokenFor(ctx, account.id, account.identityKey));
      expect(second).toEqual({ ok: true, accountId: account.id, deviceId: 3 });
    });

    it("refuses to link once device id 127 has been handed out", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      for (let deviceId = 2; deviceId <= 127; deviceId += 1) {
        const result = await ctx.stores.accounts.linkDevice(await tokenFor(ctx, account.id, account.identityKey, 1000));
        expect(result).toEqual({ ok: true, accountId: account.id, deviceId });
        await ctx.stores.accounts.removeDevice({ accountId: account.id, deviceId });
      }
      const link = await tokenFor(ctx, account.id, account.identityKey, 1000);
      expect(await ctx.stores.accounts.linkDevice(link)).toEqual({ ok: false, reason: "limit" });
    });
  });
}
