// A server cannot slip a device into a conversation: a sender encrypts only to devices the
// recipient account itself listed in its signed device list. An unlisted device holds the message
// (DEVICE_UNVERIFIED, retried) with nothing sent to any device; once the account signs a list that
// names the device, the message goes out to every device.
import { linkDevice, registerAccount, startTestServer, waitFor, type RegisteredDevice, type TestServer } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ParleyClient } from "../src/index.js";
import { signDeviceList } from "../src/linking/device-list.js";
import { toBase64 } from "../src/util/bytes.js";
import { registerClient } from "./support/clients.js";

/** Publishes a device list for `account`, signed with its identity key, naming `devices`. */
async function publishList(server: TestServer, account: RegisteredDevice, version: number, devices: readonly RegisteredDevice[]): Promise<void> {
  const signed = await signDeviceList(
    {
      accountId: account.credentials.accountId,
      version,
      devices: devices.map((d) => ({ deviceId: d.credentials.deviceId, registrationId: d.keys.registrationId })),
      signedAt: Date.now(),
    },
    account.keys.identity.privateKey,
    (n) => crypto.getRandomValues(new Uint8Array(n)),
  );
  const response = await server.api
    .as(account.credentials)
    .put("/v1/devices/list", { version, statement: toBase64(signed.statement), signature: toBase64(signed.signature) });
  expect(response.status).toBe(204);
}

/** The last errors the sender's outbox recorded for its queued items. */
async function outboxErrors(client: ParleyClient): Promise<string[]> {
  const entries = await client.store.scan("outbox/");
  return entries.map((e) => (JSON.parse(new TextDecoder().decode(e.value)) as { lastError?: string }).lastError ?? "");
}

describe("SDK: signed device lists hold back unlisted devices", () => {
  let server: TestServer;
  let alice: ParleyClient;

  beforeEach(async () => {
    server = await startTestServer();
    alice = await registerClient(server);
  });
  afterEach(async () => {
    await alice.close();
    await server.close();
  });

  it("holds a message to an account with a device it did not sign, and sends it once the account signs that device", async () => {
    const bob = await registerAccount(server);
    const laptop = await linkDevice(server, bob);
    await publishList(server, bob, 1, [bob]);
    const bobDevices = [bob, laptop].map((d) => ({ accountId: d.credentials.accountId, deviceId: d.credentials.deviceId }));

    const messageId = await alice.sendText(bob.credentials.accountId, "only for devices bob signed");
    await waitFor(async () => (await outboxErrors(alice)).some((e) => e.includes("DEVICE_UNVERIFIED")), { timeoutMs: 10_000, what: "the DEVICE_UNVERIFIED hold" });
    for (const device of bobDevices) expect(await server.stores.mailbox.count(device)).toBe(0);
    const queued = (await alice.store.scan("outbox/")).map((e) => (JSON.parse(new TextDecoder().decode(e.value)) as { messageId: string; to: string }));
    expect(queued).toContainEqual(expect.objectContaining({ messageId, to: bob.credentials.accountId }));

    await publishList(server, bob, 2, [bob, laptop]);
    await waitFor(async () => (await alice.history(bob.credentials.accountId)).find((m) => m.messageId === messageId)?.status === "sent", {
      timeoutMs: 10_000,
      what: "the message to be sent after the list names the laptop",
    });
    for (const device of bobDevices) expect(await server.stores.mailbox.count(device)).toBe(1);
  });

  it("holds a message to an account that never signed a device list", async () => {
    const carol = await registerAccount(server);
    await alice.sendText(carol.credentials.accountId, "carol has no list");
    await waitFor(async () => (await outboxErrors(alice)).some((e) => e.includes("DEVICE_UNVERIFIED")), { timeoutMs: 10_000, what: "the DEVICE_UNVERIFIED hold" });
    expect(await server.stores.mailbox.count({ accountId: carol.credentials.accountId, deviceId: 1 })).toBe(0);
  });
});
