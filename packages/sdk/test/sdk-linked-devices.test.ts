// Linked devices: the primary approves a new device, signs the device list, and messages then
// reach every device of both accounts.
import { startTestServer, waitFor, type TestServer } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryKeyValueStore, ParleyClient } from "../src/index.js";
import { linkClient, registerClient, testOptions } from "./support/clients.js";

describe("SDK linked devices", () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  const track = (c: ParleyClient) => (clients.push(c), c);

  it("links a device that then sees both sides of every conversation", async () => {
    const alice = track(await registerClient(server));
    const bob = track(await registerClient(server));
    // Alice and Bob talk first, so the new device gets Bob as a contact with his identity key.
    const first = bob.events.once("message");
    await alice.sendText(bob.accountId, "before the link");
    await first;

    const admitted = alice.events.once("device-linked");
    const laptop = track(await linkClient(server, alice));
    expect(laptop.accountId).toBe(alice.accountId);
    expect(laptop.deviceId).toBe(2);
    expect((await admitted).deviceId).toBe(2);
    expect((await laptop.contacts()).map((c) => c.accountId)).toContain(bob.accountId);
    expect(await laptop.identityStatus(bob.accountId)).toBe("accepted");

    // Bob's message reaches both of Alice's devices.
    const onPhone = alice.events.once("message", (e) => e.message.text === "hi both");
    const onLaptop = laptop.events.once("message", (e) => e.message.text === "hi both");
    await bob.sendText(alice.accountId, "hi both");
    expect((await onPhone).message.author).toBe(bob.accountId);
    expect((await onLaptop).message.author).toBe(bob.accountId);

    // What the laptop sends reaches Bob, and the phone sees it as sent by Alice.
    const atBob = bob.events.once("message", (e) => e.message.text === "from the laptop");
    const transcript = alice.events.once("message", (e) => e.message.text === "from the laptop");
    await laptop.sendText(bob.accountId, "from the laptop");
    expect((await atBob).message).toMatchObject({ author: alice.accountId, authorDevice: 2 });
    expect((await transcript).message).toMatchObject({ conversation: bob.accountId, direction: "out", authorDevice: 2 });

    const devices = await alice.devices();
    expect(devices.map((d) => d.id)).toEqual([1, 2]);
  });

  it("stops encrypting to a removed device", async () => {
    const alice = track(await registerClient(server));
    const bob = track(await registerClient(server));
    const laptop = track(await linkClient(server, alice));
    await waitFor(async () => (await alice.devices()).length === 2);
    const removed = laptop.events.once("device-removed");
    await alice.removeDevice(laptop.deviceId);
    await removed;
    const atAlice = alice.events.once("message", (e) => e.message.text === "after removal");
    await bob.sendText(alice.accountId, "after removal");
    await atAlice;
    expect((await alice.devices()).map((d) => d.id)).toEqual([1]);
  });

  it("drops a device that removed itself from the signed list when the primary next connects", async () => {
    const store = new MemoryKeyValueStore();
    const alice = track(await registerClient(server, { store }));
    const admitted = alice.events.once("device-linked");
    const laptop = track(await linkClient(server, alice));
    await admitted;
    expect((await alice.contact(alice.accountId))?.deviceList?.devices.map((d) => d.deviceId)).toEqual([1, 2]);
    await laptop.removeDevice(laptop.deviceId);
    await alice.close();

    const again = track(await ParleyClient.open(testOptions(store)));
    await again.connect();
    await waitFor(async () => (await again.contact(again.accountId))?.deviceList?.devices.length === 1, { what: "a new signed list" });
    expect((await again.contact(again.accountId))?.deviceList).toMatchObject({ version: 3, devices: [{ deviceId: 1 }] });
  });
});

