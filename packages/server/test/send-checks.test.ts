import { CloseCode, decodeEnvelope, ErrorCode, queueEmptyPath } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkDevice, registerAccount, startTestServer, TestSocket, type RegisteredDevice, type TestServer } from "@parley/testkit";

const content = (bytes = 3) => Buffer.alloc(bytes, 1).toString("base64");

describe("send checks", () => {
  let server: TestServer;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;
  let bobLaptop: RegisteredDevice;

  beforeEach(async () => {
    server = await startTestServer({ settings: { messages: { maxEnvelopeBytes: 1024, maxEnvelopesPerRequest: 4 } } });
    alice = await registerAccount(server);
    bob = await registerAccount(server);
    bobLaptop = await linkDevice(server, bob);
  });
  afterEach(() => server.close());

  const send = (messages: { deviceId: number; registrationId: number; bytes?: number }[], to = bob.credentials.accountId) =>
    server.api.as(alice.credentials).put<{ code: string; details: Record<string, number[]> }>(`/v1/messages/${to}`, {
      timestamp: 1,
      messages: messages.map((m) => ({ deviceId: m.deviceId, registrationId: m.registrationId, type: 1, content: content(m.bytes) })),
    });
  const both = () => [
    { deviceId: 1, registrationId: bob.keys.registrationId },
    { deviceId: 2, registrationId: bobLaptop.keys.registrationId },
  ];
  const queued = async () =>
    (await server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 1 })) +
    (await server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 2 }));

  it("answers 409 with the missing devices and stores nothing", async () => {
    const response = await send([both()[0]!]);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe(ErrorCode.MismatchedDevices);
    expect(response.body.details).toEqual({ missingDevices: [2], extraDevices: [] });
    expect(await queued()).toBe(0);
  });

  it("answers 409 with the extra devices", async () => {
    const response = await send([...both(), { deviceId: 7, registrationId: 5 }]);
    expect(response.status).toBe(409);
    expect(response.body.details).toEqual({ missingDevices: [], extraDevices: [7] });
  });

  it("answers 410 with the stale devices and stores nothing", async () => {
    const [first, second] = both();
    const response = await send([first!, { ...second!, registrationId: (second!.registrationId % 16000) + 1 }]);
    expect(response.status).toBe(410);
    expect(response.body.code).toBe(ErrorCode.StaleDevices);
    expect(response.body.details).toEqual({ staleDevices: [2] });
    expect(await queued()).toBe(0);
  });

  it("answers 413 for an envelope over the size limit and stores nothing", async () => {
    const [first, second] = both();
    const response = await send([first!, { ...second!, bytes: 1025 }]);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe(ErrorCode.EnvelopeTooLarge);
    expect(await queued()).toBe(0);
    expect((await send([{ ...first!, bytes: 1024 }, second!])).status).toBe(200);
  });

  it("answers 413 for more envelopes than a request may carry", async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ deviceId: i + 1, registrationId: 1 }));
    const response = await send(many);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe(ErrorCode.TooManyItems);
  });

  it("answers 404 for an unknown recipient", async () => {
    const response = await send(both(), "00000000-0000-4000-8000-000000000000");
    expect(response.status).toBe(404);
    expect(response.body.code).toBe(ErrorCode.AccountNotFound);
  });

  it("answers 400 for a body that breaks the schema", async () => {
    const response = await server.api.as(alice.credentials).put<{ code: string }>(`/v1/messages/${bob.credentials.accountId}`, {
      timestamp: 1,
      messages: [{ deviceId: 1, registrationId: 1, type: 1, content: "not base64!" }],
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(ErrorCode.InvalidRequest);
  });

  it("delivers ephemeral envelopes to connected devices only and never stores them", async () => {
    const phone = await TestSocket.connect(server.url, bob.credentials, { autoRespond: 200 });
    expect((await phone.nextRequest()).path).toBe(queueEmptyPath);
    const response = await server.api.as(alice.credentials).put(`/v1/messages/${bob.credentials.accountId}`, {
      timestamp: 1,
      ephemeral: true,
      messages: both().map((m) => ({ ...m, type: 1, content: content() })),
    });
    expect(response.status).toBe(200);
    const typing = decodeEnvelope((await phone.nextRequest()).body);
    expect(typing.ephemeral).toBe(true);
    expect(await queued()).toBe(0);
    await phone.close();
  });
});

describe("socket hygiene and isolation", () => {
  let server: TestServer;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;

  beforeEach(async () => {
    server = await startTestServer({ maxFrameBytes: 64 * 1024 });
    alice = await registerAccount(server);
    bob = await registerAccount(server);
  });
  afterEach(() => server.close());

  it("closes the socket with MALFORMED_FRAME on bytes that are not a frame", async () => {
    const socket = await TestSocket.connect(server.url, alice.credentials);
    socket.sendRaw(new Uint8Array([0xff, 0xff, 0xff]));
    expect((await socket.closed).code).toBe(CloseCode.MalformedFrame);
  });

  it("closes the socket on a text message", async () => {
    const socket = await TestSocket.connect(server.url, alice.credentials);
    socket.sendRaw("hello");
    expect((await socket.closed).code).toBe(CloseCode.MalformedFrame);
  });

  it("closes the socket with 1009 on a frame over the size limit", async () => {
    const socket = await TestSocket.connect(server.url, alice.credentials);
    socket.sendRaw(new Uint8Array(64 * 1024 + 1));
    expect((await socket.closed).code).toBe(CloseCode.MessageTooBig);
  });

  it("refuses the upgrade without valid credentials", async () => {
    await expect(TestSocket.connect(server.url, { ...alice.credentials, password: "wrong" })).rejects.toThrow(/401/);
    await expect(TestSocket.connect(server.url, undefined)).rejects.toThrow(/401/);
  });

  it("never lets one account acknowledge another's envelopes", async () => {
    await server.api.as(alice.credentials).put(`/v1/messages/${bob.credentials.accountId}`, {
      timestamp: 1,
      messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 1, content: content() }],
    });
    const bobSocket = await TestSocket.connect(server.url, bob.credentials);
    const delivery = await bobSocket.nextRequest();
    // Alice answers the request id Bob received, on her own socket, once her own request with that
    // id is settled: it answers no open request of hers, and Bob's envelope stays.
    const aliceSocket = await TestSocket.connect(server.url, alice.credentials);
    const empty = await aliceSocket.nextRequest();
    expect(empty.id).toBe(delivery.id);
    aliceSocket.respond(empty, 200);
    aliceSocket.respond(delivery, 200);
    expect((await aliceSocket.closed).code).toBe(CloseCode.MalformedFrame);
    expect(await server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 1 })).toBe(1);
    await bobSocket.close();
  });

  it("answers API requests over the socket with the same checks as HTTP", async () => {
    const socket = await TestSocket.connect(server.url, alice.credentials, { autoRespond: 200 });
    const devices = await socket.request("GET", "/v1/devices");
    expect(devices.status).toBe(200);
    const missing = await socket.request("GET", "/v1/nothing");
    expect(missing.status).toBe(404);
    const bad = await socket.request("PUT", `/v1/messages/${bob.credentials.accountId}`, { timestamp: "x" });
    expect(bad.status).toBe(400);
    await socket.close();
  });
});

describe("unresponsive devices", () => {
  it("disconnects a device that leaves a delivery unanswered past the timeout, and keeps the envelope", async () => {
    const server = await startTestServer({ requestTimeoutMs: 300 });
    try {
      const alice = await registerAccount(server);
      const bob = await registerAccount(server);
      await server.api.as(alice.credentials).put(`/v1/messages/${bob.credentials.accountId}`, {
        timestamp: 1,
        messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 1, content: content() }],
      });
      const silent = await TestSocket.connect(server.url, bob.credentials);
      await silent.nextRequest();
      expect((await silent.closed).code).toBe(CloseCode.Unresponsive);
      expect(await server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 1 })).toBe(1);
    } finally {
      await server.close();
    }
  });
});
