import { describe, expect, it } from "vitest";
import type { PasskeyRecord, PinRecord } from "../../server/src/ports/index.js";
import { peerStores, registerTestAccount, useStores, type StoreContext, type StoresFactory } from "./store-fixtures.js";

const DAY = 24 * 3600_000;

function pin(ctx: StoreContext): PinRecord {
  return { verifier: ctx.random.bytes(32), salt: ctx.random.bytes(16), cost: 1024, updatedAt: ctx.clock.now() };
}

function passkey(ctx: StoreContext, name = "key"): PasskeyRecord {
  return {
    id: Buffer.from(ctx.random.bytes(16)).toString("base64url"),
    name,
    publicKey: ctx.random.bytes(77),
    counter: 0,
    transports: ["internal", "hybrid"],
    createdAt: ctx.clock.now(),
  };
}

/** The guarantees of FactorStore (ports/factor-store.ts). */
export function describeFactorStoreContract(name: string, factory: StoresFactory): void {
  describe(`FactorStore contract: ${name}`, () => {
    const context = useStores(factory);

    it("has no factors for a new account", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      expect(await ctx.stores.factors.getFactors(account.id)).toEqual({ recoveryCodesLeft: 0, passkeys: [] });
    });

    it("stores, replaces and removes the PIN verifier", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const first = pin(ctx);
      await ctx.stores.factors.setPin(account.id, first);
      expect((await ctx.stores.factors.getFactors(account.id)).pin).toEqual(first);
      const second = pin(ctx);
      await ctx.stores.factors.setPin(account.id, second);
      expect((await ctx.stores.factors.getFactors(account.id)).pin).toEqual(second);
      await ctx.stores.factors.removePin(account.id);
      expect((await ctx.stores.factors.getFactors(account.id)).pin).toBeUndefined();
    });

    it("confirms only the pending TOTP enrolment it was checked against, replacing the recovery codes", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const secret = ctx.random.bytes(20);
      const pending = { secret, createdAt: ctx.clock.now(), expiresAt: ctx.clock.now() + 300_000 };
      await ctx.stores.factors.setPendingTotp(account.id, pending);
      expect(await ctx.stores.factors.getPendingTotp(account.id)).toEqual(pending);
      const totp = { secret, confirmedAt: ctx.clock.now(), lastStep: 100 };
      const codes = Array.from({ length: 10 }, () => ctx.random.bytes(32));
      expect(await ctx.stores.factors.confirmTotp(account.id, ctx.random.bytes(20), totp, codes)).toBe(false);
      expect((await ctx.stores.factors.getFactors(account.id)).totp).toBeUndefined();
      expect(await ctx.stores.factors.confirmTotp(account.id, secret, totp, codes)).toBe(true);
      expect(await ctx.stores.factors.getPendingTotp(account.id)).toBeUndefined();
      const factors = await ctx.stores.factors.getFactors(account.id);
      expect(factors.totp).toEqual(totp);
      expect(factors.recoveryCodesLeft).toBe(10);
      expect(await ctx.stores.factors.confirmTotp(account.id, secret, totp, codes)).toBe(false);

      // A new enrolment leaves the confirmed one alone until it is confirmed itself.
      const next = ctx.random.bytes(20);
      await ctx.stores.factors.setPendingTotp(account.id, { ...pending, secret: next });
      expect((await ctx.stores.factors.getFactors(account.id)).totp).toEqual(totp);
      const fewer = codes.slice(0, 3);
      expect(await ctx.stores.factors.confirmTotp(account.id, next, { ...totp, secret: next }, fewer)).toBe(true);
      expect(await ctx.stores.factors.useRecoveryCode(account.id, codes[5] ?? new Uint8Array())).toBe(false);
      expect((await ctx.stores.factors.getFactors(account.id)).recoveryCodesLeft).toBe(3);
    });

    it("accepts each TOTP step once and only moves forward, also under concurrency", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      expect(await ctx.stores.factors.advanceTotpStep(account.id, 5)).toBe(false);
      const secret = ctx.random.bytes(20);
      await ctx.stores.factors.setPendingTotp(account.id, { secret, createdAt: 0, expiresAt: ctx.clock.now() + 1000 });
      await ctx.stores.factors.confirmTotp(account.id, secret, { secret, confirmedAt: 0, lastStep: 10 }, []);
      expect(await ctx.stores.factors.advanceTotpStep(account.id, 10)).toBe(false);
      expect(await ctx.stores.factors.advanceTotpStep(account.id, 9)).toBe(false);
      const stores = await peerStores(ctx, 4);
      const results = await Promise.all(stores.flatMap((peer) => [peer.factors.advanceTotpStep(account.id, 12), peer.factors.advanceTotpStep(account.id, 12)]));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await ctx.stores.factors.advanceTotpStep(account.id, 11)).toBe(false);
      expect((await ctx.stores.factors.getFactors(account.id)).totp?.lastStep).toBe(12);
    });

    it("uses each recovery code once, also under concurrency, and removes them with TOTP", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const other = await registerTestAccount(ctx);
      const secret = ctx.random.bytes(20);
      const codes = [ctx.random.bytes(32), ctx.random.bytes(32)];
      await ctx.stores.factors.setPendingTotp(account.id, { secret, createdAt: 0, expiresAt: ctx.clock.now() + 1000 });
      await ctx.stores.factors.confirmTotp(account.id, secret, { secret, confirmedAt: 0, lastStep: 0 }, codes);
      const first = codes[0] ?? new Uint8Array();
      expect(await ctx.stores.factors.useRecoveryCode(other.account.id, first)).toBe(false);
      const stores = await peerStores(ctx, 4);
      const results = await Promise.all(stores.map((peer) => peer.factors.useRecoveryCode(account.id, first)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await ctx.stores.factors.getFactors(account.id)).recoveryCodesLeft).toBe(1);
      await ctx.stores.factors.removeTotp(account.id);
      const after = await ctx.stores.factors.getFactors(account.id);
      expect(after.totp).toBeUndefined();
      expect(after.recoveryCodesLeft).toBe(0);
      expect(await ctx.stores.factors.useRecoveryCode(account.id, codes[1] ?? new Uint8Array())).toBe(false);
    });

    it("adds passkeys up to the limit, refuses a taken id, records use and removes them", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const other = await registerTestAccount(ctx);
      const first = passkey(ctx, "laptop");
      expect(await ctx.stores.factors.addPasskey(account.id, first, 2)).toBe("added");
      expect(await ctx.stores.factors.addPasskey(other.account.id, { ...first }, 2)).toBe("duplicate");
      ctx.clock.advance(1);
      const second = { ...passkey(ctx, "phone"), transports: [] };
      expect(await ctx.stores.factors.addPasskey(account.id, second, 2)).toBe("added");
      expect(await ctx.stores.factors.addPasskey(account.id, passkey(ctx), 2)).toBe("limit");
      expect((await ctx.stores.factors.getFactors(account.id)).passkeys).toEqual([first, second]);
      await ctx.stores.factors.recordPasskeyUse(account.id, first.id, 7, 1234);
      const used = (await ctx.stores.factors.getFactors(account.id)).passkeys[0];
      expect(used).toEqual({ ...first, counter: 7, lastUsedAt: 1234 });
      expect(await ctx.stores.factors.removePasskey(other.account.id, first.id)).toBe(false);
      expect(await ctx.stores.factors.removePasskey(account.id, first.id)).toBe(true);
      expect(await ctx.stores.factors.removePasskey(account.id, first.id)).toBe(false);
      expect((await ctx.stores.factors.getFactors(account.id)).passkeys).toEqual([second]);
    });

    it("hands a challenge to one taker, for its account and purpose only, until it expires", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const other = await registerTestAccount(ctx);
      const now = ctx.clock.now();
      const challenge = { id: "challenge-1", accountId: account.id, purpose: "authenticate" as const, expiresAt: now + 1000 };
      await ctx.stores.factors.createChallenge(challenge, now);
      expect(await ctx.stores.factors.takeChallenge("challenge-1", other.account.id, "authenticate", now)).toBe(false);
      expect(await ctx.stores.factors.takeChallenge("challenge-1", account.id, "register", now)).toBe(false);
      const stores = await peerStores(ctx, 4);
      const results = await Promise.all(stores.map((peer) => peer.factors.takeChallenge("challenge-1", account.id, "authenticate", now)));
      expect(results.filter(Boolean)).toHaveLength(1);

      await ctx.stores.factors.createChallenge({ ...challenge, id: "challenge-2" }, now);
      expect(await ctx.stores.factors.takeChallenge("challenge-2", account.id, "authenticate", now + 1000)).toBe(false);
      // Creating another challenge later drops the expired one; a fresh one is still taken.
      await ctx.stores.factors.createChallenge({ ...challenge, id: "challenge-3", expiresAt: now + 5000 }, now + 2000);
      expect(await ctx.stores.factors.takeChallenge("challenge-2", account.id, "authenticate", now)).toBe(false);
      expect(await ctx.stores.factors.takeChallenge("challenge-3", account.id, "authenticate", now + 2000)).toBe(true);
    });

    it("counts attempts per account and kind in windows, each concurrent attempt once", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const start = ctx.clock.now();
      expect(await ctx.stores.factors.recordAttempt(account.id, "pin", start, DAY)).toEqual({ count: 1, windowStart: start });
      expect(await ctx.stores.factors.recordAttempt(account.id, "second_factor", start + 5, DAY)).toEqual({ count: 1, windowStart: start + 5 });
      const stores = await peerStores(ctx, 4);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stores[i % stores.length]?.factors.recordAttempt(account.id, "pin", start + 10, DAY)),
      );
      expect(results.map((r) => r?.count).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
      expect(results.every((r) => r?.windowStart === start)).toBe(true);
      expect(await ctx.stores.factors.recordAttempt(account.id, "pin", start + DAY - 1, DAY)).toEqual({ count: 14, windowStart: start });
      expect(await ctx.stores.factors.recordAttempt(account.id, "pin", start + DAY, DAY)).toEqual({ count: 1, windowStart: start + DAY });
    });

    it("releases an attempt only within the window it was counted in", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const start = ctx.clock.now();
      const first = await ctx.stores.factors.recordAttempt(account.id, "second_factor", start, DAY);
      await ctx.stores.factors.recordAttempt(account.id, "second_factor", start, DAY);
      await ctx.stores.factors.releaseAttempt(account.id, "second_factor", first.windowStart);
      expect((await ctx.stores.factors.recordAttempt(account.id, "second_factor", start, DAY)).count).toBe(2);
      await ctx.stores.factors.releaseAttempt(account.id, "second_factor", start - 1);
      expect((await ctx.stores.factors.recordAttempt(account.id, "second_factor", start, DAY)).count).toBe(3);
      await ctx.stores.factors.releaseAttempt(account.id, "pin", start);
      expect((await ctx.stores.factors.recordAttempt(account.id, "pin", start, DAY)).count).toBe(1);
    });

    it("names the account of an unexpired linking token without consuming it", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      const tokenHash = ctx.random.bytes(32);
      const expiresAt = ctx.clock.now() + 60_000;
      await ctx.stores.accounts.createLinkToken(account.id, tokenHash, expiresAt);
      expect(await ctx.stores.factors.accountOfLinkToken(tokenHash, ctx.clock.now())).toBe(account.id);
      expect(await ctx.stores.factors.accountOfLinkToken(tokenHash, ctx.clock.now())).toBe(account.id);
      expect(await ctx.stores.factors.accountOfLinkToken(tokenHash, expiresAt)).toBeUndefined();
      expect(await ctx.stores.factors.accountOfLinkToken(ctx.random.bytes(32), ctx.clock.now())).toBeUndefined();
    });

    it("keeps an account's factors and counters across re-registration", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx, { identifier: "factor_keeper" });
      const stored = pin(ctx);
      const key = passkey(ctx);
      await ctx.stores.factors.setPin(account.id, stored);
      await ctx.stores.factors.addPasskey(account.id, key, 5);
      await ctx.stores.factors.recordAttempt(account.id, "pin", ctx.clock.now(), DAY);
      const again = await registerTestAccount(ctx, { identifier: "factor_keeper" });
      expect(again.account.id).toBe(account.id);
      const factors = await ctx.stores.factors.getFactors(account.id);
      expect(factors.pin).toEqual(stored);
      expect(factors.passkeys).toEqual([key]);
      expect((await ctx.stores.factors.recordAttempt(account.id, "pin", ctx.clock.now(), DAY)).count).toBe(2);
    });
  });
}
