import { CloseCode, ErrorCode } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkDevice, makeDeviceKeys, registerAccount, startTestServer, TestSocket, type DeviceKeys, type RegisteredDevice, type TestServer } from "@parley/testkit";

/** POST /v1/devices/link with `token` and a new device's keys. */
function postLink(server: TestServer, token: string, keys: DeviceKeys) {
  return server.api.post<{ code: string }>("/v1/devices/link", {
    token,
    identityKey: keys.identityKey,
    registrationId: keys.registrationId,
    signedPreKey: keys.signedPreKey,
    pqLastResortPreKey: keys.pqLastResortPreKey,
  });
}

describe("devices", () => {
  let server: TestServer;
  let alice: RegisteredDevice;

  beforeEach(async () => {
    server = await startTestServer({ settings: { devices: { maxDevices: 3 } } });
    alice = await registerAccount(server);
  });
  afterEach(() => server.close());

  it("links a device that then appears in the list with its own id", async () => {
    const laptop = await linkDevice(server, alice);
    expect(laptop.credentials.accountId).toBe(alice.credentials.accountId);
    expect(laptop.credentials.deviceId).toBe(2);
    const list = await server.api.as(laptop.credentials).get<{ devices: { id: number }[] }>("/v1/devices");
    expect(list.body.devices.map((d) => d.id)).toEqual([1, 2]);
  });

  it("uses a link token once", async () => {
    const token = (await server.api.as(alice.credentials).post<{ token: string }>("/v1/devices/link-tokens")).body.token;
    const link = () => postLink(server, token, makeDeviceKeys(alice.keys.identity));
    const results = await Promise.all([link(), link()]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
  });

  it("refuses a device beyond the account's limit", async () => {
    await linkDevice(server, alice);
    await linkDevice(server, alice);
    await expect(linkDevice(server, alice)).rejects.toThrow(/409.*DEVICE_LIMIT_REACHED/);
  });

  it("refuses a linked device with another identity key", async () => {
    const token = (await server.api.as(alice.credentials).post<{ token: string }>("/v1/devices/link-tokens")).body.token;
    const response = await postLink(server, token, makeDeviceKeys());
    expect(response.status).toBe(409);
    expect(response.body.code).toBe(ErrorCode.IdentityKeyMismatch);
  });

  it("lets only the primary create link tokens and remove other devices", async () => {
    const laptop = await linkDevice(server, alice);
    const tablet = await linkDevice(server, alice);
    expect((await server.api.as(laptop.credentials).post("/v1/devices/link-tokens")).status).toBe(403);
    expect((await server.api.as(laptop.credentials).delete(`/v1/devices/${tablet.credentials.deviceId}`)).status).toBe(403);
    expect((await server.api.as(alice.credentials).delete("/v1/devices/1")).status).toBe(403);
  });

  it("removes a device: its socket closes, its credentials stop working, its id is not reused", async () => {
    const laptop = await linkDevice(server, alice);
    const socket = await TestSocket.connect(server.url, laptop.credentials);
    expect((await server.api.as(alice.credentials).delete(`/v1/devices/${laptop.credentials.deviceId}`)).status).toBe(204);
    expect((await socket.closed).code).toBe(CloseCode.DeviceRemoved);
    expect((await server.api.as(laptop.credentials).get("/v1/devices")).status).toBe(401);
    const next = await linkDevice(server, alice);
    expect(next.credentials.deviceId).toBe(3);
  });

  it("lets a linked device remove itself", async () => {
    const laptop = await linkDevice(server, alice);
    expect((await server.api.as(laptop.credentials).delete(`/v1/devices/${laptop.credentials.deviceId}`)).status).toBe(204);
  });

  it("hands a provisioning message to the waiting device", async () => {
    const waiting = await TestSocket.connect(server.url, undefined, { path: "/v1/provisioning", autoRespond: 200 });
    const addressFrame = await waiting.nextRequest();
    expect(addressFrame.path).toBe("/v1/address");
    const { address } = JSON.parse(Buffer.from(addressFrame.body).toString()) as { address: string };
    const sealed = Buffer.from("sealed provisioning message").toString("base64");
    const sent = await server.api.as(alice.credentials).put(`/v1/provisioning/${address}`, { body: sealed });
    expect(sent.status).toBe(204);
    const message = await waiting.nextRequest();
    expect(message.path).toBe("/v1/message");
    expect(Buffer.from(message.body).toString()).toBe("sealed provisioning message");
    expect((await server.api.as(alice.credentials).put(`/v1/provisioning/${address}`, { body: sealed })).status).toBe(404);
  });
});

describe("link token expiry", () => {
  it("refuses a link token after its lifetime and adds no device", async () => {
    let now = 1_800_000_000_000;
    const server = await startTestServer({ clock: { now: () => now }, settings: { devices: { linkTokenTtlMs: 60_000 } } });
    try {
      const alice = await registerAccount(server);
      const token = (await server.api.as(alice.credentials).post<{ token: string }>("/v1/devices/link-tokens")).body.token;
      now += 60_001;
      const response = await postLink(server, token, makeDeviceKeys(alice.keys.identity));
      expect(response.status).toBe(403);
      expect(response.body.code).toBe(ErrorCode.LinkTokenInvalid);
      const list = await server.api.as(alice.credentials).get<{ devices: { id: number }[] }>("/v1/devices");
      expect(list.body.devices.map((d) => d.id)).toEqual([1]);
    } finally {
      await server.close();
    }
  });
});

