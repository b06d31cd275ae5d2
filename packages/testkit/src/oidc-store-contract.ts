import { describe, expect, it } from "vitest";
import type { OidcArtefactRecord, OidcClientRecord, OidcSignInRecord, OidcSigningKeyRecord } from "../../server/src/ports/index.js";
import { randomUuid } from "./seeded-random.js";
import { useStores, type StoreContext, type StoresFactory } from "./store-fixtures.js";

const MINUTE = 60_000;

function artefact(ctx: StoreContext, overrides: Partial<OidcArtefactRecord> = {}): OidcArtefactRecord {
  return {
    model: "AuthorizationCode",
    id: randomUuid(ctx.random),
    payload: JSON.stringify({ jti: "x", kind: "AuthorizationCode" }),
    grantId: null,
    uid: null,
    expiresAt: ctx.clock.now() + MINUTE,
    ...overrides,
  };
}

function client(ctx: StoreContext, overrides: Partial<OidcClientRecord> = {}): OidcClientRecord {
  return {
    id: randomUuid(ctx.random),
    name: "Example App",
    secretHash: ctx.random.bytes(32),
    redirectUris: ["https://app.example/callback", "http://127.0.0.1:9999/cb"],
    subjectType: "pairwise",
    createdAt: ctx.clock.now(),
    ...overrides,
  };
}

function signingKey(ctx: StoreContext, createdAt: number): OidcSigningKeyRecord {
  return { kid: randomUuid(ctx.random), alg: "ES256", privateJwk: JSON.stringify({ kty: "EC", d: "secret" }), createdAt, retiredAt: null };
}

function signIn(ctx: StoreContext, overrides: Partial<OidcSignInRecord> = {}): OidcSignInRecord {
  return {
    codeHash: ctx.random.bytes(32),
    interactionUid: randomUuid(ctx.random),
    clientId: randomUuid(ctx.random),
    clientName: "Example App",
    scopes: ["openid", "profile"],
    state: "pending",
    accountId: null,
    createdAt: ctx.clock.now(),
    expiresAt: ctx.clock.now() + 10 * MINUTE,
    ...overrides,
  };
}

/** An account to approve sign-ins with (the SQL tables refer to accounts). */
async function anAccount(ctx: StoreContext): Promise<string> {
  const { account } = await ctx.stores.accounts.register({
    newAccountId: randomUuid(ctx.random),
    identifierKind: "username",
    identifier: `oidc${ctx.random.bytes(4).join("")}`,
    identityKey: new Uint8Array([5, ...ctx.random.bytes(32)]),
    primary: {
      name: null,
      registrationId: 1,
      passwordHash: ctx.random.bytes(32),
      passwordSalt: ctx.random.bytes(16),
      createdAt: ctx.clock.now(),
      signedPreKey: { keyId: 1, publicKey: ctx.random.bytes(33), signature: ctx.random.bytes(64) },
      pqLastResortPreKey: { keyId: 2, publicKey: ctx.random.bytes(1569), signature: ctx.random.bytes(64) },
    },
  });
  return account.id;
}

/** The guarantees of OidcStore (ports/oidc-store.ts). */
export function describeOidcStoreContract(name: string, factory: StoresFactory): void {
  describe(`OidcStore contract: ${name}`, () => {
    const context = useStores(factory);

    it("returns an upserted artefact until it expires, and replaces it on a second upsert", async () => {
      const ctx = context();
      const stored = artefact(ctx);
      await ctx.stores.oidc.upsertArtefact(stored);
      expect(await ctx.stores.oidc.findArtefact(stored.model, stored.id, ctx.clock.now())).toEqual({ payload: stored.payload, consumedAt: null });
      expect(await ctx.stores.oidc.findArtefact("AccessToken", stored.id, ctx.clock.now())).toBeUndefined();
      await ctx.stores.oidc.upsertArtefact({ ...stored, payload: "{\"v\":2}" });
      expect((await ctx.stores.oidc.findArtefact(stored.model, stored.id, ctx.clock.now()))?.payload).toBe("{\"v\":2}");
      expect(await ctx.stores.oidc.findArtefact(stored.model, stored.id, stored.expiresAt! + 1)).toBeUndefined();
    });

    it("keeps artefacts without an expiry and finds sessions by uid", async () => {
      const ctx = context();
      const session = artefact(ctx, { model: "Session", uid: "uid-1", expiresAt: null });
      await ctx.stores.oidc.upsertArtefact(session);
      expect((await ctx.stores.oidc.findArtefactByUid("Session", "uid-1", ctx.clock.now() + 1e12))?.payload).toBe(session.payload);
      expect(await ctx.stores.oidc.findArtefactByUid("Session", "uid-2", ctx.clock.now())).toBeUndefined();
    });

    it("records consumption, destroys, and revokes everything of a grant", async () => {
      const ctx = context();
      const code = artefact(ctx, { grantId: "g1" });
      const token = artefact(ctx, { model: "AccessToken", grantId: "g1" });
      const other = artefact(ctx, { model: "AccessToken", grantId: "g2" });
      for (const record of [code, token, other]) await ctx.stores.oidc.upsertArtefact(record);
      await ctx.stores.oidc.consumeArtefact(code.model, code.id, 1234);
      expect((await ctx.stores.oidc.findArtefact(code.model, code.id, ctx.clock.now()))?.consumedAt).toBe(1234);
      await ctx.stores.oidc.revokeGrant("g1");
      expect(await ctx.stores.oidc.findArtefact(code.model, code.id, ctx.clock.now())).toBeUndefined();
      expect(await ctx.stores.oidc.findArtefact(token.model, token.id, ctx.clock.now())).toBeUndefined();
      await ctx.stores.oidc.destroyArtefact(other.model, other.id);
      expect(await ctx.stores.oidc.findArtefact(other.model, other.id, ctx.clock.now())).toBeUndefined();
    });

    it("adds, lists, finds and removes clients; refuses a duplicate id", async () => {
      const ctx = context();
      const confidential = client(ctx);
      const pub = client(ctx, { secretHash: null, subjectType: "public", createdAt: ctx.clock.now() + 1 });
      await ctx.stores.oidc.addClient(confidential);
      await ctx.stores.oidc.addClient(pub);
      await expect(ctx.stores.oidc.addClient(confidential)).rejects.toThrow();
      expect(await ctx.stores.oidc.findClient(confidential.id)).toEqual(confidential);
      expect(await ctx.stores.oidc.listClients()).toEqual([confidential, pub]);
      expect(await ctx.stores.oidc.removeClient(confidential.id)).toBe(true);
      expect(await ctx.stores.oidc.removeClient(confidential.id)).toBe(false);
      expect(await ctx.stores.oidc.findClient(confidential.id)).toBeUndefined();
    });

    it("adds a first signing key once, rotates atomically and purges keys retired long ago", async () => {
      const ctx = context();
      const first = signingKey(ctx, 1000);
      expect(await ctx.stores.oidc.addFirstSigningKey(first)).toBe(true);
      expect(await ctx.stores.oidc.addFirstSigningKey(signingKey(ctx, 1001))).toBe(false);
      const second = signingKey(ctx, 2000);
      await ctx.stores.oidc.rotateSigningKeys(second);
      expect(await ctx.stores.oidc.listSigningKeys()).toEqual([second, { ...first, retiredAt: 2000 }]);
      expect(await ctx.stores.oidc.deleteSigningKeysRetiredBefore(2000)).toBe(0);
      expect(await ctx.stores.oidc.deleteSigningKeysRetiredBefore(2001)).toBe(1);
      expect(await ctx.stores.oidc.listSigningKeys()).toEqual([second]);
    });

    it("gives every caller the first stored secret", async () => {
      const ctx = context();
      const first = ctx.random.bytes(32);
      const results = await Promise.all([first, ctx.random.bytes(32), ctx.random.bytes(32)].map((candidate) => ctx.stores.oidc.ensureSecret("cookies", candidate)));
      expect(results.every((result) => Buffer.from(result).equals(Buffer.from(results[0]!)))).toBe(true);
      expect(await ctx.stores.oidc.ensureSecret("cookies", ctx.random.bytes(32))).toEqual(results[0]);
      expect(await ctx.stores.oidc.ensureSecret("subjects", first)).toEqual(first);
    });

    it("finds a pending sign-in by code hash and by interaction until it expires", async () => {
      const ctx = context();
      const pending = signIn(ctx);
      await ctx.stores.oidc.createSignIn(pending);
      expect(await ctx.stores.oidc.findPendingSignIn(pending.codeHash, ctx.clock.now())).toEqual(pending);
      expect(await ctx.stores.oidc.findSignInByInteraction(pending.interactionUid, ctx.clock.now())).toEqual(pending);
      expect(await ctx.stores.oidc.findPendingSignIn(ctx.random.bytes(32), ctx.clock.now())).toBeUndefined();
      expect(await ctx.stores.oidc.findPendingSignIn(pending.codeHash, pending.expiresAt)).toBeUndefined();
    });

    it("replaces the sign-in of an interaction when a new code is made for it", async () => {
      const ctx = context();
      const before = signIn(ctx);
      const after = signIn(ctx, { interactionUid: before.interactionUid });
      await ctx.stores.oidc.createSignIn(before);
      await ctx.stores.oidc.createSignIn(after);
      expect(await ctx.stores.oidc.findPendingSignIn(before.codeHash, ctx.clock.now())).toBeUndefined();
      expect(await ctx.stores.oidc.findSignInByInteraction(before.interactionUid, ctx.clock.now())).toEqual(after);
    });

    it("decides a sign-in once, and hands an approval out once", async () => {
      const ctx = context();
      const accountId = await anAccount(ctx);
      const pending = signIn(ctx);
      await ctx.stores.oidc.createSignIn(pending);
      const decisions = await Promise.all([
        ctx.stores.oidc.decideSignIn(pending.codeHash, { approve: true, accountId }, ctx.clock.now()),
        ctx.stores.oidc.decideSignIn(pending.codeHash, { approve: false }, ctx.clock.now()),
      ]);
      expect(decisions.filter(Boolean)).toHaveLength(1);
      const decided = await ctx.stores.oidc.findSignInByInteraction(pending.interactionUid, ctx.clock.now());
      expect(await ctx.stores.oidc.findPendingSignIn(pending.codeHash, ctx.clock.now())).toBeUndefined();
      if (decided?.state === "approved") {
        expect(decided.accountId).toBe(accountId);
        const taken = await Promise.all([1, 2].map(() => ctx.stores.oidc.takeApprovedSignIn(pending.interactionUid, ctx.clock.now())));
        expect(taken.filter((t) => t !== undefined)).toEqual([{ ...pending, state: "approved", accountId }]);
      } else {
        expect(decided?.state).toBe("denied");
        expect(await ctx.stores.oidc.takeApprovedSignIn(pending.interactionUid, ctx.clock.now())).toBeUndefined();
      }
    });

    it("refuses to decide an expired sign-in", async () => {
      const ctx = context();
      const pending = signIn(ctx);
      await ctx.stores.oidc.createSignIn(pending);
      expect(await ctx.stores.oidc.decideSignIn(pending.codeHash, { approve: false }, pending.expiresAt)).toBe(false);
    });

    it("deletes expired artefacts and sign-ins, keeping live ones", async () => {
      const ctx = context();
      const now = ctx.clock.now();
      await ctx.stores.oidc.upsertArtefact(artefact(ctx, { expiresAt: now - 1 }));
      const kept = artefact(ctx, { expiresAt: now + MINUTE });
      await ctx.stores.oidc.upsertArtefact(kept);
      await ctx.stores.oidc.upsertArtefact(artefact(ctx, { expiresAt: null, model: "Client" }));
      await ctx.stores.oidc.createSignIn(signIn(ctx, { expiresAt: now - 1 }));
      const live = signIn(ctx);
      await ctx.stores.oidc.createSignIn(live);
      expect(await ctx.stores.oidc.deleteExpired(now)).toBe(2);
      expect(await ctx.stores.oidc.findArtefact(kept.model, kept.id, now)).toBeDefined();
      expect(await ctx.stores.oidc.findSignInByInteraction(live.interactionUid, now)).toBeDefined();
    });
  });
}
