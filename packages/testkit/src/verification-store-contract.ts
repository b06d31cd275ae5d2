import { describe, expect, it } from "vitest";
import type { VerificationSessionRecord } from "../../server/src/ports/index.js";
import { randomUuid } from "./seeded-random.js";
import { useStores, type StoreContext, type StoresFactory } from "./store-fixtures.js";

const TEN_MINUTES = 600_000;

function session(ctx: StoreContext, overrides: Partial<VerificationSessionRecord> = {}): VerificationSessionRecord {
  return {
    id: randomUuid(ctx.random),
    identifierKind: "phone",
    identifier: "+15550199",
    codeHash: ctx.random.bytes(32),
    createdAt: ctx.clock.now(),
    expiresAt: ctx.clock.now() + TEN_MINUTES,
    attempts: 0,
    verified: false,
    ...overrides,
  };
}

/** The guarantees of VerificationStore (ports/verification-store.ts). */
export function describeVerificationStoreContract(name: string, factory: StoresFactory): void {
  describe(`VerificationStore contract: ${name}`, () => {
    const context = useStores(factory);

    it("returns a created session as it was, and nothing for an unknown id", async () => {
      const ctx = context();
      const created = session(ctx);
      await ctx.stores.verification.create(created);
      expect(await ctx.stores.verification.get(created.id)).toEqual(created);
      expect(await ctx.stores.verification.get(randomUuid(ctx.random))).toBeUndefined();
    });

    it("counts attempts and returns the session after the increment", async () => {
      const ctx = context();
      const created = session(ctx);
      await ctx.stores.verification.create(created);
      expect(await ctx.stores.verification.recordAttempt(created.id)).toEqual({ ...created, attempts: 1 });
      expect((await ctx.stores.verification.recordAttempt(created.id))?.attempts).toBe(2);
      expect(await ctx.stores.verification.recordAttempt(randomUuid(ctx.random))).toBeUndefined();
    });

    it("counts every one of concurrent attempts exactly once", async () => {
      const ctx = context();
      const created = session(ctx);
      await ctx.stores.verification.create(created);
      const results = await Promise.all(Array.from({ length: 30 }, () => ctx.stores.verification.recordAttempt(created.id)));
      const counts = results.map((result) => result?.attempts ?? 0).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect((await ctx.stores.verification.get(created.id))?.attempts).toBe(30);
    });

    it("consumes a verified session once", async () => {
      const ctx = context();
      const created = session(ctx);
      await ctx.stores.verification.create(created);
      await ctx.stores.verification.markVerified(created.id);
      const now = ctx.clock.now();
      const results = await Promise.all(Array.from({ length: 5 }, () => ctx.stores.verification.consume(created.id, now)));
      expect(results.filter((result) => result !== undefined)).toEqual([{ ...created, verified: true }]);
      expect(await ctx.stores.verification.get(created.id)).toBeUndefined();
    });

    it("does not consume an unverified session", async () => {
      const ctx = context();
      const created = session(ctx);
      await ctx.stores.verification.create(created);
      expect(await ctx.stores.verification.consume(created.id, ctx.clock.now())).toBeUndefined();
      expect(await ctx.stores.verification.get(created.id)).toEqual(created);
    });

    it("does not consume a session from its expiry on", async () => {
      const ctx = context();
      const created = session(ctx);
      await ctx.stores.verification.create(created);
      await ctx.stores.verification.markVerified(created.id);
      expect(await ctx.stores.verification.consume(created.id, created.expiresAt)).toBeUndefined();
      expect(await ctx.stores.verification.consume(created.id, created.expiresAt - 1)).toBeDefined();
    });

    it("deletes the sessions that expired before now and returns how many", async () => {
      const ctx = context();
      const expired = [session(ctx, { expiresAt: ctx.clock.now() - 2 }), session(ctx, { expiresAt: ctx.clock.now() - 1 })];
      const live = session(ctx);
      for (const created of [...expired, live]) await ctx.stores.verification.create(created);
      expect(await ctx.stores.verification.deleteExpired(ctx.clock.now())).toBe(2);
      expect(await ctx.stores.verification.deleteExpired(ctx.clock.now())).toBe(0);
      expect(await ctx.stores.verification.get(live.id)).toEqual(live);
      expect(await ctx.stores.verification.get(expired[0]?.id ?? "")).toBeUndefined();
    });
  });
}
