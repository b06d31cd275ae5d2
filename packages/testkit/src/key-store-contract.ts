import { describe, expect, it } from "vitest";
import type { OneTimeKey } from "../../server/src/ports/index.js";
import {
  linkTestDevice,
  peerStores,
  registerTestAccount,
  signedKey,
  useStores,
  type StoreContext,
  type StoresFactory,
} from "./store-fixtures.js";

function oneTimeKeys(ctx: StoreContext, ids: readonly number[]): OneTimeKey[] {
  return ids.map((keyId) => ({ keyId, publicKey: ctx.random.bytes(33) }));
}

/** The guarantees of KeyStore (ports/key-store.ts), for any Stores implementation. */
export function describeKeyStoreContract(name: string, factory: StoresFactory): void {
  describe(`KeyStore contract: ${name}`, () => {
    const context = useStores(factory);

    it("claims the signed prekey and the oldest one-time EC and Kyber keys", async () => {
      const ctx = context();
      const { primary, primaryDevice } = await registerTestAccount(ctx);
      const preKeys = oneTimeKeys(ctx, [10, 11]);
      const kyberKeys = [signedKey(ctx.random, 20, 1569), signedKey(ctx.random, 21, 1569)];
      await ctx.stores.keys.addPreKeys(primary, preKeys);
      await ctx.stores.keys.addKyberPreKeys(primary, kyberKeys);
      expect(await ctx.stores.keys.claim(primary)).toEqual({
        signedPreKey: primaryDevice.signedPreKey,
        preKey: preKeys[0],
        pqPreKey: kyberKeys[0],
        pqLastResort: false,
      });
      expect(await ctx.stores.keys.counts(primary)).toEqual({ preKeys: 1, pqPreKeys: 1 });
    });

    it("falls back to the last-resort Kyber key, and no EC key, once one-time keys run out", async () => {
      const ctx = context();
      const { primary, primaryDevice } = await registerTestAccount(ctx);
      await ctx.stores.keys.addKyberPreKeys(primary, [signedKey(ctx.random, 20, 1569)]);
      expect((await ctx.stores.keys.claim(primary))?.pqLastResort).toBe(false);
      for (let i = 0; i < 2; i += 1) {
        expect(await ctx.stores.keys.claim(primary)).toEqual({
          signedPreKey: primaryDevice.signedPreKey,
          preKey: undefined,
          pqPreKey: primaryDevice.pqLastResortPreKey,
          pqLastResort: true,
        });
      }
    });

    it("hands out one-time keys in the order they were added", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.keys.addPreKeys(primary, oneTimeKeys(ctx, [30, 5, 17]));
      await ctx.stores.keys.addPreKeys(primary, oneTimeKeys(ctx, [1, 99]));
      await ctx.stores.keys.addKyberPreKeys(primary, [40, 2, 33].map((id) => signedKey(ctx.random, id)));
      const claimed = [];
      for (let i = 0; i < 5; i += 1) claimed.push(await ctx.stores.keys.claim(primary));
      expect(claimed.map((keys) => keys?.preKey?.keyId)).toEqual([30, 5, 17, 1, 99]);
      expect(claimed.map((keys) => keys?.pqPreKey.keyId)).toEqual([40, 2, 33, 2, 2]);
    });

    it("replaces a one-time key added again with the same id, keeping its place", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.keys.addPreKeys(primary, oneTimeKeys(ctx, [1, 2, 3]));
      const [replacement] = oneTimeKeys(ctx, [2]);
      await ctx.stores.keys.addPreKeys(primary, replacement === undefined ? [] : [replacement]);
      const kyber = signedKey(ctx.random, 8);
      await ctx.stores.keys.addKyberPreKeys(primary, [signedKey(ctx.random, 8)]);
      await ctx.stores.keys.addKyberPreKeys(primary, [kyber]);
      expect(await ctx.stores.keys.counts(primary)).toEqual({ preKeys: 3, pqPreKeys: 1 });
      const claimed = [];
      for (let i = 0; i < 3; i += 1) claimed.push((await ctx.stores.keys.claim(primary))?.preKey);
      expect(claimed.map((key) => key?.keyId)).toEqual([1, 2, 3]);
      expect(claimed[1]).toEqual(replacement);
      expect(await ctx.stores.keys.counts(primary)).toEqual({ preKeys: 0, pqPreKeys: 0 });
    });

    it("replaces the signed prekey and the last-resort key", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const signed = signedKey(ctx.random, 100);
      const lastResort = signedKey(ctx.random, 101, 1569);
      await ctx.stores.keys.setSignedPreKey(primary, signed);
      await ctx.stores.keys.setLastResortKey(primary, lastResort);
      const claimed = await ctx.stores.keys.claim(primary);
      expect(claimed?.signedPreKey).toEqual(signed);
      expect(claimed?.pqPreKey).toEqual(lastResort);
    });

    // Claims spread over several instances (server nodes) where the backend can share its data:
    // each key goes once, and no claim comes back without one while keys remain.
    it("never hands the same one-time key to concurrent claims", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.keys.addPreKeys(primary, oneTimeKeys(ctx, Array.from({ length: 50 }, (_, i) => i + 1)));
      await ctx.stores.keys.addKyberPreKeys(primary, Array.from({ length: 50 }, (_, i) => signedKey(ctx.random, i + 1)));
      const claimers = [ctx.stores, ...(await peerStores(ctx, 2))];
      const claims = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (claimers[i % claimers.length] ?? ctx.stores).keys.claim(primary)),
      );
      const preKeyIds = claims.flatMap((keys) => (keys?.preKey === undefined ? [] : [keys.preKey.keyId]));
      const kyberIds = claims.flatMap((keys) => (keys === undefined || keys.pqLastResort ? [] : [keys.pqPreKey.keyId]));
      expect(new Set(preKeyIds).size).toBe(50);
      expect(preKeyIds).toHaveLength(50);
      expect(new Set(kyberIds).size).toBe(50);
      expect(kyberIds).toHaveLength(50);
      expect(claims.filter((keys) => keys?.pqLastResort === true)).toHaveLength(10);
    });

    it("keeps each device's keys to itself", async () => {
      const ctx = context();
      const { account, primary } = await registerTestAccount(ctx);
      const linked = await linkTestDevice(ctx, account);
      await ctx.stores.keys.addPreKeys(primary, oneTimeKeys(ctx, [1]));
      expect((await ctx.stores.keys.claim(linked))?.preKey).toBeUndefined();
      expect(await ctx.stores.keys.counts(linked)).toEqual({ preKeys: 0, pqPreKeys: 0 });
      expect(await ctx.stores.keys.counts(primary)).toEqual({ preKeys: 1, pqPreKeys: 0 });
    });

    it("claims nothing for a device that does not exist, and refuses its keys", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const missing = { accountId: account.id, deviceId: 9 };
      expect(await ctx.stores.keys.claim(missing)).toBeUndefined();
      await expect(ctx.stores.keys.addPreKeys(missing, oneTimeKeys(ctx, [1]))).rejects.toThrow();
      await expect(ctx.stores.keys.setSignedPreKey(missing, signedKey(ctx.random, 1))).rejects.toThrow();
      expect(await ctx.stores.keys.counts(missing)).toEqual({ preKeys: 0, pqPreKeys: 0 });
    });
  });
}
