import { describe, expect, it } from "vitest";
import { StoragePrefix, paddedNumber, storageKeys, trailingNumber } from "../src/storage/keys.js";

const account = "0b9d9f4e-2a55-4c1e-9a57-5a3c6b1f7e21";

describe("storage keys", () => {
  it("builds the documented layout", () => {
    expect(storageKeys.localIdentity()).toBe("local/identity");
    expect(storageKeys.identity(account)).toBe(`identity/${account}`);
    expect(storageKeys.session(account, 2)).toBe(`session/${account}/002`);
    expect(storageKeys.preKey(42)).toBe("prekey/00000042");
    expect(storageKeys.signedPreKey(0xffffff)).toBe("signed-prekey/16777215");
    expect(storageKeys.kyberPreKey(7)).toBe("kyber-prekey/00000007");
    expect(storageKeys.lastResortKyberPreKey(7)).toBe("kyber-last-resort/00000007");
    expect(storageKeys.kyberUsed(7, 3, "ab01")).toBe("kyber-used/00000007/00000003/ab01");
    expect(storageKeys.senderKey("d1d1d1d1-7000-11eb-b32a-33b8a8a487a6", account, 127)).toBe(
      `sender-key/d1d1d1d1-7000-11eb-b32a-33b8a8a487a6/${account}/127`,
    );
    expect(storageKeys.counter("prekey-id")).toBe("counter/prekey-id");
  });

  it("orders numbered keys numerically", () => {
    const ids = [100, 9, 12_000_000, 0, 10, 99_999];
    const keys = ids.map((id) => storageKeys.preKey(id)).sort();
    expect(keys.map(trailingNumber)).toEqual([...ids].sort((a, b) => a - b));
    const devices = [10, 2, 127, 1].map((id) => storageKeys.session(account, id)).sort();
    expect(devices.map(trailingNumber)).toEqual([1, 2, 10, 127]);
  });

  it("keeps each account's sessions inside its own prefix", () => {
    const prefix = storageKeys.sessionsOf("alice");
    expect(storageKeys.session("alice", 1).startsWith(prefix)).toBe(true);
    expect(storageKeys.session("alice2", 1).startsWith(prefix)).toBe(false);
    expect(prefix.startsWith(StoragePrefix.session)).toBe(true);
  });

  it("refuses segments that could escape their prefix, and numbers that do not fit", () => {
    expect(() => storageKeys.identity("a/b")).toThrow(RangeError);
    expect(() => storageKeys.identity("")).toThrow(RangeError);
    expect(() => storageKeys.identity("a b")).toThrow(RangeError);
    expect(() => storageKeys.identity("é")).toThrow(RangeError);
    expect(() => storageKeys.session(account, 1000)).toThrow(RangeError);
    expect(() => storageKeys.preKey(100_000_000)).toThrow(RangeError);
    expect(() => storageKeys.preKey(-1)).toThrow(RangeError);
    expect(() => paddedNumber(1.5, 3, "id")).toThrow(RangeError);
  });

  it("keeps every prefix distinct from the others", () => {
    const prefixes = Object.values(StoragePrefix);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(a.startsWith(b)).toBe(false);
    expect(prefixes.some((prefix) => "local/identity".startsWith(prefix))).toBe(false);
  });
});
