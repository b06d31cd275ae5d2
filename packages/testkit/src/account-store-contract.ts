import { describe, expect, it } from "vitest";
import { randomIdentityKey, linkTestDevice, newDevice, newEnvelope, registerTestAccount, useStores, type StoresFactory } from "./store-fixtures.js";
import { describeDeviceListContract } from "./device-list-contract.js";
import { describeLinkDeviceContract } from "./link-device-contract.js";
import { randomUuid } from "./seeded-random.js";

/**
 * The guarantees of AccountStore (ports/account-store.ts): accounts, registration and device
 * removal here, linking in describeLinkDeviceContract and device lists in
 * describeDeviceListContract (both included).
 */
export function describeAccountStoreContract(name: string, factory: StoresFactory): void {
  describe(`AccountStore contract: ${name}`, () => {
    const context = useStores(factory);

    it("registers a new account with the primary as device 1", async () => {
      const ctx = context();
      const key = randomIdentityKey(ctx.random);
      const primary = newDevice(ctx, "phone");
      const newAccountId = randomUuid(ctx.random);
      const result = await ctx.stores.accounts.register({
        newAccountId,
        identifierKind: "phone",
        identifier: "+15550100",
        identityKey: key,
        primary,
      });
      expect(result).toEqual({
        account: { id: newAccountId, identifierKind: "phone", identifier: "+15550100", identityKey: key, createdAt: primary.createdAt },
        removedDevices: [],
      });
      const { signedPreKey: _s, pqLastResortPreKey: _k, ...fields } = primary;
      expect(await ctx.stores.accounts.listDevices(newAccountId)).toEqual([
        { ...fields, accountId: newAccountId, id: 1, lastSeenAt: primary.createdAt },
      ]);
    });

    it("finds an account by id and by identifier, and nothing for unknown ones", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx, { kind: "username", identifier: "alice" });
      expect(await ctx.stores.accounts.findAccount(account.id)).toEqual(account);
      expect(await ctx.stores.accounts.findAccountByIdentifier("username", "alice")).toEqual(account);
      expect(await ctx.stores.accounts.findAccountByIdentifier("phone", "alice")).toBeUndefined();
      expect(await ctx.stores.accounts.findAccount(randomUuid(ctx.random))).toBeUndefined();
    });

    it("re-registering keeps the account id, takes the new identity key and removes every device with its keys and envelopes", async () => {
      const ctx = context();
      const { account, primary } = await registerTestAccount(ctx, { kind: "phone", identifier: "+15550101" });
      const linked = await linkTestDevice(ctx, account);
      await ctx.stores.keys.addPreKeys(primary, [{ keyId: 7, publicKey: ctx.random.bytes(33) }]);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, linked)]);
      const key = randomIdentityKey(ctx.random);
      const primaryDevice = newDevice(ctx, "new phone");
      const result = await ctx.stores.accounts.register({
        newAccountId: randomUuid(ctx.random),
        identifierKind: "phone",
        identifier: "+15550101",
        identityKey: key,
        primary: primaryDevice,
      });
      expect(result).toEqual({ account: { ...account, identityKey: key }, removedDevices: [1, linked.deviceId] });
      expect(await ctx.stores.accounts.findAccount(account.id)).toEqual({ ...account, identityKey: key });
      const devices = await ctx.stores.accounts.listDevices(account.id);
      expect(devices.map((device) => [device.id, device.name])).toEqual([[1, "new phone"]]);
      expect(await ctx.stores.mailbox.count(primary)).toBe(0);
      expect(await ctx.stores.mailbox.count(linked)).toBe(0);
      expect(await ctx.stores.keys.counts(primary)).toEqual({ preKeys: 0, pqPreKeys: 0 });
      expect(await ctx.stores.keys.claim(linked)).toBeUndefined();
      const claimed = await ctx.stores.keys.claim(primary);
      expect(claimed?.signedPreKey).toEqual(primaryDevice.signedPreKey);
      expect(claimed?.pqPreKey).toEqual(primaryDevice.pqLastResortPreKey);
    });

    it("re-registering voids the link tokens issued before", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx, { identifier: "bob" });
      const tokenHash = ctx.random.bytes(32);
      await ctx.stores.accounts.createLinkToken(account.id, tokenHash, ctx.clock.now() + 60_000);
      await registerTestAccount(ctx, { identifier: "bob", identityKey: account.identityKey });
      const link = { tokenHash, now: ctx.clock.now(), identityKey: account.identityKey, device: newDevice(ctx), maxDevices: 5 };
      expect(await ctx.stores.accounts.linkDevice(link)).toEqual({ ok: false, reason: "token" });
    });

    it("keeps one account when the same identifier registers concurrently", async () => {
      const ctx = context();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => registerTestAccount(ctx, { kind: "phone", identifier: "+15550102" })),
      );
      const ids = new Set(results.map((result) => result.account.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect((await ctx.stores.accounts.listDevices(id ?? "")).map((device) => device.id)).toEqual([1]);
    });

    it("treats the same identifier of different kinds as different accounts", async () => {
      const ctx = context();
      const a = await registerTestAccount(ctx, { kind: "username", identifier: "15550103" });
      const b = await registerTestAccount(ctx, { kind: "phone", identifier: "15550103" });
      expect(a.account.id).not.toBe(b.account.id);
    });

    it("lists devices in ascending id order, and none for an unknown account", async () => {
      const ctx = context();
      const { account } = await registerTestAccount(ctx);
      await linkTestDevice(ctx, account);
      await linkTestDevice(ctx, account);
      expect((await ctx.stores.accounts.listDevices(account.id)).map((device) => device.id)).toEqual([1, 2, 3]);
      expect(await ctx.stores.accounts.listDevices(randomUuid(ctx.random))).toEqual([]);
    });

    it("finds a device by address, and nothing for an unknown one", async () => {
      const ctx = context();
      const { account, primary, primaryDevice } = await registerTestAccount(ctx);
      const device = await ctx.stores.accounts.findDevice(primary);
      expect(device?.passwordHash).toEqual(primaryDevice.passwordHash);
      expect(device?.registrationId).toBe(primaryDevice.registrationId);
      expect(await ctx.stores.accounts.findDevice({ accountId: account.id, deviceId: 2 })).toBeUndefined();
    });

    it("removing a device removes its keys and envelopes and nothing of other devices", async () => {
      const ctx = context();
      const { account, primary } = await registerTestAccount(ctx);
      const linked = await linkTestDevice(ctx, account);
      await ctx.stores.keys.addPreKeys(linked, [{ keyId: 1, publicKey: ctx.random.bytes(33) }]);
      await ctx.stores.mailbox.append([newEnvelope(ctx, linked), newEnvelope(ctx, primary)]);
      expect(await ctx.stores.accounts.removeDevice(linked)).toBe(true);
      expect(await ctx.stores.accounts.findDevice(linked)).toBeUndefined();
      expect(await ctx.stores.mailbox.count(linked)).toBe(0);
      expect(await ctx.stores.keys.counts(linked)).toEqual({ preKeys: 0, pqPreKeys: 0 });
      expect(await ctx.stores.keys.claim(linked)).toBeUndefined();
      expect(await ctx.stores.mailbox.count(primary)).toBe(1);
      expect(await ctx.stores.accounts.removeDevice(linked)).toBe(false);
    });

    it("refuses to remove the primary device", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary)]);
      expect(await ctx.stores.accounts.removeDevice(primary)).toBe(false);
      expect(await ctx.stores.accounts.findDevice(primary)).toBeDefined();
      expect(await ctx.stores.mailbox.count(primary)).toBe(1);
    });

    it("records when a device was last seen", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const at = ctx.clock.advance(3_600_000);
      await ctx.stores.accounts.touchDevice(primary, at);
      expect((await ctx.stores.accounts.findDevice(primary))?.lastSeenAt).toBe(at);
    });
  });
  describeLinkDeviceContract(name, factory);
  describeDeviceListContract(name, factory);
}
