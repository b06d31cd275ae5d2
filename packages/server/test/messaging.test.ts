import { CloseCode, decodeEnvelope, deliverPath, encodeOutgoingMessages, queueEmptyPath } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkDevice, registerAccount, startTestServer, TestSocket, type RegisteredDevice, type TestServer } from "@parley/testkit";

const text = (s: string) => Buffer.from(s).toString("base64");

describe.each([{ singleNode: true }, { singleNode: false }])("store and forward (single-node fast paths: $singleNode)", ({ singleNode }) => {
  let server: TestServer;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;
  const sockets: TestSocket[] = [];

  const connect = async (device: RegisteredDevice, autoRespond?: number) => {
    const socket = await TestSocket.connect(server.url, device.credentials, autoRespond === undefined ? {} : { autoRespond });
    sockets.push(socket);
    return socket;
  };
  const sendText = (from: RegisteredDevice, to: RegisteredDevice, body: string, deviceId = 1) =>
    server.api.as(from.credentials).put(`/v1/messages/${to.credentials.accountId}`, {
      timestamp: 1000,
      messages: [{ deviceId, registrationId: to.keys.registrationId, type: 1, content: text(body) }],
    });

  beforeEach(async () => {
    server = await startTestServer({ singleNode, deliveryWindow: 8 });
    alice = await registerAccount(server);
    bob = await registerAccount(server);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await server.close();
  });

  it("delivers an envelope sent while the recipient was offline, then the queue-empty marker", async () => {
    expect((await sendText(alice, bob, "hello")).status).toBe(200);
    const socket = await connect(bob);
    const delivery = await socket.nextRequest();
    expect(delivery.path).toBe(deliverPath);
    const envelope = decodeEnvelope(delivery.body);
    expect(Buffer.from(envelope.content).toString()).toBe("hello");
    expect(envelope.sourceAccount).toBe(alice.credentials.accountId);
    expect(envelope.sourceDevice).toBe(1);
    socket.respond(delivery, 200);
    expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
  });

  it("delivers the backlog in the order it was sent", async () => {
    for (let i = 0; i < 30; i++) expect((await sendText(alice, bob, `m${i}`)).status).toBe(200);
    const socket = await connect(bob, 200);
    const bodies: string[] = [];
    for (let i = 0; i < 30; i++) bodies.push(Buffer.from(decodeEnvelope((await socket.nextRequest()).body).content).toString());
    expect(bodies).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
  });

  it("redelivers an unacknowledged envelope after reconnect, and not an acknowledged one", async () => {
    await sendText(alice, bob, "first");
    await sendText(alice, bob, "second");
    const socket = await connect(bob);
    const first = await socket.nextRequest();
    const second = await socket.nextRequest();
    socket.respond(first, 200);
    socket.respond(second, 500);
    expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
    await expect.poll(() => server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 1 })).toBe(1);
    await socket.close();
    const again = await connect(bob);
    const redelivered = await again.nextRequest();
    expect(Buffer.from(decodeEnvelope(redelivered.body).content).toString()).toBe("second");
    expect((await again.nextRequest()).path).toBe(queueEmptyPath);
  });

  it("delivers in real time to a connected device", async () => {
    const socket = await connect(bob);
    expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
    await sendText(alice, bob, "live");
    const live = await socket.nextRequest();
    expect(Buffer.from(decodeEnvelope(live.body).content).toString()).toBe("live");
  });

  it("delivers every one of many concurrent sends once to a connected device, past a small window", async () => {
    const socket = await connect(bob, 200);
    expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
    const sends = await Promise.all(Array.from({ length: 100 }, (_, i) => sendText(alice, bob, `c${i}`)));
    expect(sends.every((r) => r.status === 200)).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(Buffer.from(decodeEnvelope((await socket.nextRequest()).body).content).toString());
    expect(seen.size).toBe(100);
    await expect.poll(() => server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 1 })).toBe(0);
  });

  it("closes the older connection when the same device connects again", async () => {
    const first = await connect(bob);
    await connect(bob);
    expect((await first.closed).code).toBe(CloseCode.Displaced);
  });

  it("accepts a protobuf send body over the WebSocket", async () => {
    const aliceSocket = await connect(alice, 200);
    const body = encodeOutgoingMessages({
      timestamp: 5,
      ephemeral: false,
      urgent: true,
      messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 3, content: new Uint8Array([1, 2, 3]) }],
    });
    const response = await aliceSocket.request("PUT", `/v1/messages/${bob.credentials.accountId}`, body, {
      "content-type": "application/x-protobuf",
    });
    expect(response.status).toBe(200);
    const socket = await connect(bob);
    const envelope = decodeEnvelope((await socket.nextRequest()).body);
    expect([...envelope.content]).toEqual([1, 2, 3]);
    expect(envelope.type).toBe(3);
    expect(envelope.urgent).toBe(true);
  });

  it("sends to one's own other devices, and refuses a set that includes the sender", async () => {
    const laptop = await linkDevice(server, alice);
    const toSelf = (deviceIds: number[]) =>
      server.api.as(alice.credentials).put(`/v1/messages/${alice.credentials.accountId}`, {
        timestamp: 1,
        messages: deviceIds.map((deviceId) => ({
          deviceId,
          registrationId: deviceId === 1 ? alice.keys.registrationId : laptop.keys.registrationId,
          type: 1,
          content: text("sync"),
        })),
      });
    expect((await toSelf([1, laptop.credentials.deviceId])).status).toBe(409);
    expect((await toSelf([laptop.credentials.deviceId])).status).toBe(200);
  });
});
