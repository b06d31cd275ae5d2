import { describe, expect, it } from "vitest";
import {
  Direction,
  KeyPair,
  ProtocolAddress,
  SessionRecord,
  SignalErrorCode,
  generateKyberPreKey,
  generatePreKeys,
  generateSignedPreKey,
  secureRandom,
  type KyberPreKeyRecord,
} from "@parley/signal";
import { FakeClock } from "@parley/testkit";
import { storageKeys } from "../src/storage/keys.js";
import { MemoryKeyValueStore } from "../src/storage/memory-key-value-store.js";
import { SignalStores, type SignalStoresOptions } from "../src/storage/signal-stores.js";
import { StorageErrorCode } from "../src/storage/storage-error.js";
import { StorageRunner } from "../src/storage/unit-of-work.js";

const bob = new ProtocolAddress("bob", 1);
const bobLaptop = new ProtocolAddress("bob", 2);
const ours = KeyPair.generate(secureRandom);

function setup(options: Partial<SignalStoresOptions> = {}) {
  const clock = new FakeClock();
  const store = new MemoryKeyValueStore();
  const runner = new StorageRunner(store);
  const run = <T>(fn: (stores: SignalStores) => Promise<T>): Promise<T> =>
    runner.run((tx) => fn(new SignalStores(tx, { clock, ...options })));
  return { clock, store, run };
}

const key = () => KeyPair.generate(secureRandom).publicKey;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const kyberRecord = (): KyberPreKeyRecord => generateKyberPreKey(ours, 1, 0, secureRandom);

describe("SignalStores: local identity", () => {
  it("returns the stored identity key pair and registration id in later units", async () => {
    const { run } = setup();
    await run((stores) => stores.setLocalIdentity({ identityKeyPair: ours, registrationId: 4242 }));
    const [pair, registrationId] = await run(async (stores) => [await stores.getIdentityKeyPair(), await stores.getLocalRegistrationId()] as const);
    expect(pair.publicKey.equals(ours.publicKey)).toBe(true);
    expect(pair.privateKey.serialize()).toEqual(ours.privateKey.serialize());
    expect(registrationId).toBe(4242);
  });

  it("fails with STORE_NO_LOCAL_IDENTITY before one is set", async () => {
    const { run } = setup();
    expect(await run((stores) => stores.localIdentity())).toBeUndefined();
    expect(await codeOf(run((stores) => stores.getIdentityKeyPair()))).toBe(StorageErrorCode.NoLocalIdentity);
  });
});

describe("SignalStores: identity policy", () => {
  it("trusts an account's first key and records when it was seen", async () => {
    const { run, clock } = setup();
    const first = key();
    expect(await run((stores) => stores.isTrustedIdentity(bob, first, Direction.Sending))).toBe(true);
    expect(await run((stores) => stores.saveIdentity(bob, first))).toBe(false);
    const record = await run((stores) => stores.identityRecord("bob"));
    expect(record).toMatchObject({ status: "first-use", firstSeenAt: clock.now() });
    expect(record?.changedAt).toBeUndefined();
    expect((await run((stores) => stores.getIdentity(bobLaptop)))?.equals(first)).toBe(true);
  });

  it("keeps the record as it is when the same key is saved again", async () => {
    const { run, clock } = setup();
    const first = key();
    await run((stores) => stores.saveIdentity(bob, first));
    const before = await run((stores) => stores.identityRecord("bob"));
    clock.advance(1000);
    expect(await run((stores) => stores.saveIdentity(bobLaptop, first))).toBe(false);
    expect(await run((stores) => stores.identityRecord("bob"))).toEqual(before);
  });

  it("blocks sending after a change until the new key is accepted, and always trusts receiving", async () => {
    const { run, clock } = setup();
    const first = key();
    const second = key();
    await run((stores) => stores.saveIdentity(bob, first));
    expect(await run((stores) => stores.isTrustedIdentity(bob, second, Direction.Sending))).toBe(false);
    expect(await run((stores) => stores.isTrustedIdentity(bob, second, Direction.Receiving))).toBe(true);
    clock.advance(5000);
    const changed = await run(async (stores) => [await stores.saveIdentity(bob, second), [...stores.changedIdentities]] as const);
    expect(changed).toEqual([true, ["bob"]]);
    expect(await run((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "changed", changedAt: clock.now() });
    expect(await run((stores) => stores.isTrustedIdentity(bob, second, Direction.Sending))).toBe(false);
    expect(await run((stores) => stores.isTrustedIdentity(bob, first, Direction.Sending))).toBe(false);
    expect(await run((stores) => stores.isTrustedIdentity(bob, second, Direction.Receiving))).toBe(true);
    expect(await run((stores) => stores.acceptIdentity("bob"))).toMatchObject({ status: "accepted", changedAt: clock.now() });
    expect(await run((stores) => stores.isTrustedIdentity(bob, second, Direction.Sending))).toBe(true);
    expect(await run((stores) => stores.isTrustedIdentity(bob, first, Direction.Sending))).toBe(false);
  });

  it("accepts a change at once when changes do not block", async () => {
    const { run } = setup({ blockOnIdentityChange: false });
    const second = key();
    await run((stores) => stores.saveIdentity(bob, key()));
    expect(await run((stores) => stores.saveIdentity(bob, second))).toBe(true);
    expect(await run((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "accepted" });
    expect(await run((stores) => stores.isTrustedIdentity(bob, second, Direction.Sending))).toBe(true);
  });

  it("accepts a given key in place of the saved one", async () => {
    const { run } = setup();
    const replacement = key();
    expect(await run((stores) => stores.acceptIdentity("bob"))).toBeUndefined();
    await run((stores) => stores.saveIdentity(bob, key()));
    await run((stores) => stores.acceptIdentity("bob", replacement));
    expect(await run((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "accepted" });
    expect(await run((stores) => stores.isTrustedIdentity(bob, replacement, Direction.Sending))).toBe(true);
  });

  it("marks only the saved key verified, keeps it verified on accept, and unverifies it on change", async () => {
    const { run } = setup();
    const first = key();
    await run((stores) => stores.saveIdentity(bob, first));
    expect(await run((stores) => stores.markVerified("bob", key()))).toBe(false);
    expect(await run((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "first-use" });
    expect(await run((stores) => stores.markVerified("bob", first))).toBe(true);
    await run((stores) => stores.acceptIdentity("bob"));
    expect(await run((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "verified" });
    await run((stores) => stores.saveIdentity(bob, key()));
    expect(await run((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "changed" });
  });

  it("fails with STORE_CORRUPT_RECORD on an identity record it cannot read", async () => {
    const { run, store } = setup();
    await store.commit([{ key: storageKeys.identity("bob"), value: new TextEncoder().encode('{"version":9}') }]);
    expect(await codeOf(run((stores) => stores.getIdentity(bob)))).toBe(StorageErrorCode.CorruptRecord);
  });
});

describe("SignalStores: sessions", () => {
  it("lists, deletes one and deletes all of an account's sessions without touching others", async () => {
    const { run } = setup();
    const record = new SessionRecord();
    await run(async (stores) => {
      await stores.storeSession(bob, record);
      await stores.storeSession(new ProtocolAddress("bob", 12), record);
      await stores.storeSession(bobLaptop, record);
      await stores.storeSession(new ProtocolAddress("bob2", 1), record);
    });
    expect(await run((stores) => stores.sessionDevices("bob"))).toEqual([1, 2, 12]);
    await run((stores) => stores.deleteSession("bob", 2));
    expect(await run((stores) => stores.sessionDevices("bob"))).toEqual([1, 12]);
    await run((stores) => stores.deleteSessions("bob"));
    expect(await run((stores) => stores.sessionDevices("bob"))).toEqual([]);
    expect(await run((stores) => stores.loadSession(bob))).toBeUndefined();
    expect(await run((stores) => stores.sessionDevices("bob2"))).toEqual([1]);
  });
});

describe("SignalStores: prekeys", () => {
  it("counts, loads and removes one-time EC prekeys", async () => {
    const { run } = setup();
    const keys = generatePreKeys(5, 3, secureRandom);
    await run(async (stores) => {
      for (const record of keys) await stores.storePreKey(record.id, record);
    });
    expect(await run((stores) => stores.countPreKeys())).toBe(3);
    expect((await run((stores) => stores.loadPreKey(6)))?.keyPair.publicKey.equals(keys[1]!.keyPair.publicKey)).toBe(true);
    await run((stores) => stores.removePreKey(6));
    await run((stores) => stores.removePreKey(6));
    expect(await run((stores) => stores.countPreKeys())).toBe(2);
    expect(await run((stores) => stores.loadPreKey(6))).toBeUndefined();
  });

  it("prunes signed prekeys to the ones kept after a rotation", async () => {
    const { run } = setup();
    await run(async (stores) => {
      for (const id of [1, 2, 3]) await stores.storeSignedPreKey(id, generateSignedPreKey(ours, id, 0, secureRandom));
    });
    expect(await run((stores) => stores.removeSignedPreKeysExcept([3, 2]))).toEqual([1]);
    expect(await run((stores) => stores.signedPreKeyIds())).toEqual([2, 3]);
    expect((await run((stores) => stores.loadSignedPreKey(3)))?.id).toBe(3);
  });

  it("counts only one-time Kyber prekeys, and removes one when used", async () => {
    const { run } = setup();
    await run(async (stores) => {
      await stores.storeKyberPreKey(1, kyberRecord());
      await stores.storeKyberPreKey(2, kyberRecord());
      await stores.storeKyberPreKey(3, kyberRecord(), true);
    });
    expect(await run((stores) => stores.countKyberPreKeys())).toBe(2);
    await run((stores) => stores.markKyberPreKeyUsed(1, 1, key()));
    expect(await run((stores) => stores.loadKyberPreKey(1))).toBeUndefined();
    expect(await run((stores) => stores.countKyberPreKeys())).toBe(1);
    expect(await run((stores) => stores.loadKyberPreKey(3))).toBeDefined();
    await run((stores) => stores.markKyberPreKeyUsed(99, 1, key()));
  });

  it("keeps a last-resort Kyber key when used and rejects the same signed prekey and base key twice", async () => {
    const { run } = setup();
    const baseKey = key();
    await run((stores) => stores.storeKyberPreKey(7, kyberRecord(), true));
    await run((stores) => stores.markKyberPreKeyUsed(7, 1, baseKey));
    expect(await codeOf(run((stores) => stores.markKyberPreKeyUsed(7, 1, baseKey)))).toBe(SignalErrorCode.ReusedBaseKey);
    await run((stores) => stores.markKyberPreKeyUsed(7, 2, baseKey));
    await run((stores) => stores.markKyberPreKeyUsed(7, 1, key()));
    expect(await run((stores) => stores.loadKyberPreKey(7))).toBeDefined();
    expect(await run((stores) => stores.countKyberPreKeys())).toBe(0);
  });

  it("forgets a pruned last-resort key together with the base keys seen with it", async () => {
    const { run, store } = setup();
    const baseKey = key();
    await run(async (stores) => {
      await stores.storeKyberPreKey(7, kyberRecord(), true);
      await stores.storeKyberPreKey(8, kyberRecord(), true);
      await stores.markKyberPreKeyUsed(7, 1, baseKey);
      await stores.markKyberPreKeyUsed(8, 1, baseKey);
    });
    expect(await run((stores) => stores.removeLastResortKyberPreKeysExcept([8]))).toEqual([7]);
    expect(await run((stores) => stores.lastResortKyberPreKeyIds())).toEqual([8]);
    const remembered = (await store.scan("kyber-used/")).map((entry) => entry.key);
    expect(remembered).toEqual([expect.stringMatching(/^kyber-used\/00000008\/00000001\/[0-9a-f]{64}$/)]);
    expect(await codeOf(run((stores) => stores.markKyberPreKeyUsed(8, 1, baseKey)))).toBe(SignalErrorCode.ReusedBaseKey);
  });

  it("holds one kind of Kyber key per id: storing the other kind replaces it", async () => {
    const { run } = setup();
    await run((stores) => stores.storeKyberPreKey(4, kyberRecord(), true));
    await run((stores) => stores.storeKyberPreKey(4, kyberRecord()));
    expect(await run((stores) => stores.lastResortKyberPreKeyIds())).toEqual([]);
    expect(await run((stores) => stores.countKyberPreKeys())).toBe(1);
  });
});

describe("SignalStores: counters", () => {
  it("hands out increasing values across units, in blocks when asked", async () => {
    const { run } = setup();
    expect(await run((stores) => stores.nextCounter("prekey-id"))).toBe(1);
    expect(await run((stores) => stores.nextCounter("prekey-id", 100))).toBe(2);
    expect(await run((stores) => stores.nextCounter("prekey-id"))).toBe(102);
    expect(await run((stores) => stores.nextCounter("other"))).toBe(1);
  });

  it("gives a value out again when the unit that reserved it failed", async () => {
    const { run } = setup();
    await expect(
      run(async (stores) => {
        await stores.nextCounter("prekey-id");
        throw new Error("upload failed");
      }),
    ).rejects.toThrow("upload failed");
    expect(await run((stores) => stores.nextCounter("prekey-id"))).toBe(1);
  });
});
