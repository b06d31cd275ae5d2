import { randomBytes, randomUUID } from "node:crypto";
import { deviceListSignedMessage, ErrorCode, type ErrorBody, type SignedDeviceList, type UploadDeviceList } from "@parley/protocol";
import { secureRandom, type KeyPair } from "@parley/signal";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  linkDevice,
  makeDeviceKeys,
  registerAccount,
  startTestServer,
  TestSocket,
  uniqueUsername,
  type RegisteredDevice,
  type TestServer,
} from "@parley/testkit";

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** A device list of `version` over a random statement, signed as clients sign it. */
function signedList(identity: KeyPair, version: number, statement: Uint8Array = randomBytes(120)): UploadDeviceList {
  const signature = identity.privateKey.sign(deviceListSignedMessage(statement), secureRandom);
  return { version, statement: b64(statement), signature: b64(signature) };
}

describe("signed device lists", () => {
  let server: TestServer;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;

  beforeEach(async () => {
    server = await startTestServer();
    alice = await registerAccount(server);
    bob = await registerAccount(server);
  });
  afterEach(() => server.close());

  const put = (device: RegisteredDevice, body: unknown) => server.api.as(device.credentials).put<ErrorBody>("/v1/devices/list", body);
  const get = (device: RegisteredDevice, accountId: string) =>
    server.api.as(device.credentials).get<SignedDeviceList & ErrorBody>(`/v1/devices/${accountId}/list`);

  it("lets the primary publish the list and any device fetch it", async () => {
    const list = signedList(alice.keys.identity, 1);
    const before = Date.now();
    expect((await put(alice, list)).status).toBe(204);
    const fetched = await get(bob, alice.credentials.accountId);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({ ...list, updatedAt: expect.any(Number) });
    expect(fetched.body.updatedAt).toBeGreaterThanOrEqual(before);
    const laptop = await linkDevice(server, alice);
    expect((await get(laptop, alice.credentials.accountId)).body).toEqual(fetched.body);
  });

  it("replaces the list with a higher version", async () => {
    expect((await put(alice, signedList(alice.keys.identity, 1))).status).toBe(204);
    const next = signedList(alice.keys.identity, 5);
    expect((await put(alice, next)).status).toBe(204);
    expect((await get(bob, alice.credentials.accountId)).body).toMatchObject(next);
  });

  it("refuses a list from a linked device", async () => {
    const laptop = await linkDevice(server, alice);
    const response = await put(laptop, signedList(alice.keys.identity, 1));
    expect(response.status).toBe(403);
    expect(response.body.code).toBe(ErrorCode.Forbidden);
    expect((await get(bob, alice.credentials.accountId)).status).toBe(404);
  });

  it("refuses a signature by another key, or over the statement without the prefix", async () => {
    const statement = randomBytes(64);
    const bare = b64(alice.keys.identity.privateKey.sign(statement, secureRandom));
    for (const list of [signedList(bob.keys.identity, 1), { version: 1, statement: b64(statement), signature: bare }]) {
      const response = await put(alice, list);
      expect(response.status).toBe(422);
      expect(response.body.code).toBe(ErrorCode.DeviceListSignatureInvalid);
    }
    expect((await get(bob, alice.credentials.accountId)).body.code).toBe(ErrorCode.DeviceListNotFound);
  });

  it("refuses a version not above the stored one, naming the stored version", async () => {
    const stored = signedList(alice.keys.identity, 2);
    expect((await put(alice, stored)).status).toBe(204);
    for (const version of [2, 1]) {
      const response = await put(alice, signedList(alice.keys.identity, version));
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ code: ErrorCode.DeviceListStale, details: { currentVersion: 2 } });
    }
    expect((await get(bob, alice.credentials.accountId)).body).toMatchObject(stored);
  });

  it("refuses a malformed body", async () => {
    const valid = signedList(alice.keys.identity, 1);
    for (const body of [{ ...valid, version: 0 }, { ...valid, statement: b64(randomBytes(8 * 1024 + 3)) }, { ...valid, extra: 1 }]) {
      const response = await put(alice, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe(ErrorCode.InvalidRequest);
    }
  });

  it("answers 404 for an account without a list, and for an unknown account", async () => {
    const none = await get(alice, bob.credentials.accountId);
    expect(none.status).toBe(404);
    expect(none.body.code).toBe(ErrorCode.DeviceListNotFound);
    const unknown = await get(alice, randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(ErrorCode.AccountNotFound);
  });

  it("clears the list when the account re-registers", async () => {
    const name = uniqueUsername();
    const first = await registerAccount(server, { kind: "username", value: name });
    expect((await put(first, signedList(first.keys.identity, 3))).status).toBe(204);
    const second = await registerAccount(server, { kind: "username", value: name }, makeDeviceKeys());
    expect((await get(bob, second.credentials.accountId)).body.code).toBe(ErrorCode.DeviceListNotFound);
    expect((await put(second, signedList(first.keys.identity, 4))).body.code).toBe(ErrorCode.DeviceListSignatureInvalid);
    expect((await put(second, signedList(second.keys.identity, 1))).status).toBe(204);
  });

  it("serves both routes over the WebSocket", async () => {
    const socket = await TestSocket.connect(server.url, alice.credentials, { autoRespond: 200 });
    try {
      const list = signedList(alice.keys.identity, 1);
      expect((await socket.request("PUT", "/v1/devices/list", list)).status).toBe(204);
      const fetched = await socket.request("GET", `/v1/devices/${alice.credentials.accountId}/list`);
      expect(fetched.status).toBe(200);
      expect(JSON.parse(Buffer.from(fetched.body).toString("utf8"))).toMatchObject(list);
    } finally {
      await socket.close();
    }
  });
});
