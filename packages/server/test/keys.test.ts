import { ErrorCode } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeKyberPreKey, makePreKeys, registerAccount, startTestServer, type RegisteredDevice, type TestServer } from "@parley/testkit";

interface Bundles {
  identityKey: string;
  devices: { deviceId: number; preKey?: { keyId: number }; pqPreKey: { keyId: number }; pqLastResort: boolean }[];
}

describe("keys", () => {
  let server: TestServer;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;

  beforeEach(async () => {
    server = await startTestServer({ settings: { keys: { maxKeysPerUpload: 10, maxStoredKeys: 20 } } });
    alice = await registerAccount(server);
    bob = await registerAccount(server);
  });
  afterEach(() => server.close());

  const upload = (device: RegisteredDevice, body: object) => server.api.as(device.credentials).put<{ code: string }>("/v1/keys", body);
  const fetchBundle = () => server.api.as(alice.credentials).get<Bundles>(`/v1/keys/${bob.credentials.accountId}/1`);

  it("hands out each one-time key once, then falls back to the last-resort Kyber key", async () => {
    const pq = [makeKyberPreKey(bob.keys.identity, 10), makeKyberPreKey(bob.keys.identity, 11)];
    expect((await upload(bob, { preKeys: makePreKeys(100, 2), pqPreKeys: pq })).status).toBe(204);
    expect((await server.api.as(bob.credentials).get("/v1/keys")).body).toEqual({ preKeys: 2, pqPreKeys: 2 });
    const [a, b] = await Promise.all([fetchBundle(), fetchBundle()]);
    const claimed = [a.body.devices[0]!, b.body.devices[0]!];
    expect(new Set(claimed.map((d) => d.preKey?.keyId)).size).toBe(2);
    expect(new Set(claimed.map((d) => d.pqPreKey.keyId))).toEqual(new Set([10, 11]));
    const third = (await fetchBundle()).body.devices[0]!;
    expect(third.preKey).toBeUndefined();
    expect(third.pqLastResort).toBe(true);
    expect(third.pqPreKey.keyId).toBe(1);
    expect(a.body.identityKey).toBe(bob.keys.identityKey);
  });

  it("refuses an upload with a forged Kyber signature and stores none of it", async () => {
    const forged = { ...makeKyberPreKey(bob.keys.identity, 5), signature: makeKyberPreKey(alice.keys.identity, 5).signature };
    const response = await upload(bob, { preKeys: makePreKeys(1, 3), pqPreKeys: [forged] });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe(ErrorCode.InvalidSignature);
    expect((await server.api.as(bob.credentials).get("/v1/keys")).body).toEqual({ preKeys: 0, pqPreKeys: 0 });
  });

  it("enforces the per-upload and per-device key limits", async () => {
    const tooMany = await upload(bob, { preKeys: makePreKeys(1, 11) });
    expect(tooMany.status).toBe(413);
    expect((await upload(bob, { preKeys: makePreKeys(1, 10) })).status).toBe(204);
    expect((await upload(bob, { preKeys: makePreKeys(11, 10) })).status).toBe(204);
    const full = await upload(bob, { preKeys: makePreKeys(21, 1) });
    expect(full.status).toBe(413);
    expect(full.body.code).toBe(ErrorCode.TooManyItems);
  });

  it("refuses a list that repeats a key id", async () => {
    const keys = makePreKeys(1, 2).map((k) => ({ ...k, keyId: 7 }));
    expect((await upload(bob, { preKeys: keys })).status).toBe(400);
  });

  it("answers 404 for an unknown account or device", async () => {
    const unknown = await server.api.as(alice.credentials).get<{ code: string }>("/v1/keys/00000000-0000-4000-8000-000000000000/1");
    expect(unknown.body.code).toBe(ErrorCode.AccountNotFound);
    const device = await server.api.as(alice.credentials).get<{ code: string }>(`/v1/keys/${bob.credentials.accountId}/9`);
    expect(device.body.code).toBe(ErrorCode.DeviceNotFound);
  });

  it("requires credentials to fetch keys", async () => {
    expect((await server.api.get(`/v1/keys/${bob.credentials.accountId}/1`)).status).toBe(401);
  });
});
