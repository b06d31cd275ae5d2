// Delivery behaviour of SDK clients over a real server: offline catch-up in order, replays and
// forgeries refused while the conversation goes on, identity changes held until accepted,
// reactions, edits, deletions and read receipts, and a server store that holds no plaintext.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeEnvelope, encodeEnvelope } from "@parley/protocol";
import { openSqliteStores } from "@parley/server";
import { startTestServer, tempDir, waitFor, type TempDir, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryKeyValueStore, ParleyClient, type ClientEvents } from "../src/index.js";
import { registerClient, testOptions, uniqueUsername } from "./support/clients.js";

describe("SDK delivery", () => {
  let server: TestServer | undefined;
  let dir: TempDir | undefined;
  const clients: ParleyClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    await dir?.cleanup();
    server = undefined;
    dir = undefined;
  });

  const track = (c: ParleyClient) => (clients.push(c), c);

  /** Registers a client on its own memory store; returns it and a way to reopen the same store. */
  async function device(s: TestServer) {
    const store = new MemoryKeyValueStore();
    const client = track(await registerClient(s, { store }));
    return {
      client,
      async reopen(): Promise<ParleyClient> {
        const again = track(await ParleyClient.open(testOptions(store)));
        return again;
      },
    };
  }

  function collect<K extends keyof ClientEvents>(client: ParleyClient, name: K): ClientEvents[K][] {
    const seen: ClientEvents[K][] = [];
    client.events.on(name, (e) => seen.push(e));
    return seen;
  }

  it("delivers everything sent while a device was offline, in order", async () => {
    server = await startTestServer();
    const alice = (await device(server)).client;
    const bob = await device(server);
    const hello = bob.client.events.once("message");
    await alice.sendText(bob.client.accountId, "first");
    await hello;
    await bob.client.close();
    const texts = Array.from({ length: 25 }, (_, i) => `offline ${i}`);
    for (const text of texts) await alice.sendText(bob.client.accountId, text);
    await waitFor(async () => (await alice.pendingCount()) === 0, { what: "alice's outbox to drain" });

    const again = await bob.reopen();
    const received = collect(again, "message");
    const empty = again.events.once("queue-empty");
    await again.connect();
    await empty;
    await waitFor(() => received.length === texts.length, { what: "the backlog" });
    expect(received.map((e) => e.message.text)).toEqual(texts);
    const history = await again.history(alice.accountId, 100);
    expect(history.map((m) => m.text)).toEqual(["first", ...texts]);
  });

  it("refuses a replayed envelope and a forged one, and the conversation goes on", async () => {
    server = await startTestServer();
    const s = server;
    const alice = (await device(s)).client;
    const bob = await device(s);
    const bobAddress = { accountId: bob.client.accountId, deviceId: 1 };
    await bob.client.close();
    await alice.sendText(bob.client.accountId, "one");
    await waitFor(async () => (await s.stores.mailbox.count(bobAddress)) === 1);
    const [original] = await s.stores.mailbox.read(bobAddress, 0, 10);

    const first = await bob.reopen();
    const gotOne = first.events.once("message", (e) => e.message.text === "one");
    await first.connect();
    await gotOne;
    await waitFor(async () => (await s.stores.mailbox.count(bobAddress)) === 0, { what: "the ack" });
    await first.close();

    // The same ciphertext again under a new envelope id (what a malicious server could do), and
    // an envelope with made-up ciphertext in Alice's name.
    const envelope = decodeEnvelope(original!.data);
    const replayId = new Uint8Array(16).fill(7);
    const forgedId = new Uint8Array(16).fill(9);
    const replay = encodeEnvelope({ ...envelope, id: replayId });
    const forged = encodeEnvelope({ ...envelope, id: forgedId, content: new Uint8Array(envelope.content.length).fill(1) });
    const now = Date.now();
    await s.stores.mailbox.append([
      { id: replayId, accountId: bobAddress.accountId, deviceId: 1, data: replay, receivedAt: now },
      { id: forgedId, accountId: bobAddress.accountId, deviceId: 1, data: forged, receivedAt: now },
    ]);
    const aliceReset = alice.events.once("session-reset");
    await alice.sendText(bob.client.accountId, "two");
    await waitFor(async () => (await s.stores.mailbox.count(bobAddress)) === 3);

    const second = await bob.reopen();
    const rejected = collect(second, "envelope-rejected");
    const failed = collect(second, "decryption-failed");
    const messages = collect(second, "message");
    await second.connect();
    await waitFor(() => messages.length === 1 && rejected.length === 1 && failed.length === 1, { what: "the three envelopes" });
    expect(rejected[0]).toMatchObject({ from: alice.accountId, reason: "replayed" });
    expect(failed[0]).toMatchObject({ from: alice.accountId, device: 1 });
    expect(messages[0]!.message.text).toBe("two");
    // Bob asked Alice for a new session; the conversation continues on it.
    await aliceReset;
    const three = second.events.once("message", (e) => e.message.text === "three");
    await alice.sendText(bob.client.accountId, "three");
    await three;
    expect((await second.history(alice.accountId)).map((m) => m.text)).toEqual(["one", "two", "three"]);
    await waitFor(async () => (await s.stores.mailbox.count(bobAddress)) === 0, { what: "every envelope acknowledged" });
  });

  it("holds messages to a contact whose identity key changed until the user accepts it", async () => {
    server = await startTestServer();
    const s = server;
    const username = uniqueUsername("alice");
    const alice = track(await registerClient(s, {}, username));
    const bob = (await device(s)).client;
    const hi = alice.events.once("message");
    await bob.sendText(alice.accountId, "hi alice");
    await hi;
    // Alice re-registers on a new phone: same account, new identity key.
    await alice.close();
    const newAlice = track(await registerClient(s, {}, username));
    expect(newAlice.accountId).toBe(alice.accountId);

    const changed = bob.events.once("identity-changed");
    const messageId = await bob.sendText(alice.accountId, "are you still you?");
    expect((await changed).accountId).toBe(alice.accountId);
    expect(await bob.identityStatus(alice.accountId)).toBe("changed");
    await waitFor(async () => (await bob.pendingCount()) >= 1);
    expect((await bob.history(alice.accountId)).find((m) => m.messageId === messageId)?.status).toBe("queued");

    const arrives = newAlice.events.once("message", (e) => e.message.messageId === messageId);
    await bob.acceptIdentity(alice.accountId);
    await arrives;
    expect(await bob.identityStatus(alice.accountId)).toBe("accepted");
  });

  it("carries reactions, edits, deletions, read receipts and typing", async () => {
    server = await startTestServer();
    const alice = (await device(server)).client;
    const bob = (await device(server)).client;
    const got = bob.events.once("message");
    const id = await alice.sendText(bob.accountId, "typo heer");
    await got;

    const typing = bob.events.once("typing");
    await alice.setTyping(bob.accountId, true);
    expect(await typing).toMatchObject({ from: alice.accountId, started: true });

    const edited = bob.events.once("message-updated", (e) => e.change === "edit");
    await alice.edit(bob.accountId, id, "typo here");
    expect((await edited).message.text).toBe("typo here");

    const reacted = alice.events.once("message-updated", (e) => e.change === "reaction");
    await bob.react(alice.accountId, { messageId: id, author: alice.accountId }, "👍");
    expect((await reacted).message.reactions).toEqual({ [bob.accountId]: "👍" });

    const read = alice.events.once("message-updated", (e) => e.message.status === "read");
    await bob.markRead(alice.accountId, [id]);
    expect((await read).message.messageId).toBe(id);

    const deleted = bob.events.once("message-updated", (e) => e.change === "delete");
    await alice.deleteForEveryone(bob.accountId, id);
    expect((await deleted).message).toMatchObject({ deleted: true, text: "" });
  });

  it("leaves no plaintext in the server's database file", async () => {
    dir = await tempDir();
    const path = join(dir.path, "server.db");
    server = await startTestServer({ stores: await openSqliteStores({ path }) });
    const alice = (await device(server)).client;
    const bob = await device(server);
    await bob.client.close();
    const secrets = Array.from({ length: 5 }, (_, i) => `secret-plaintext-${i}-${"x".repeat(i * 7)}`);
    for (const text of secrets) await alice.sendText(bob.client.accountId, text);
    await waitFor(async () => (await alice.pendingCount()) === 0);
    // While the envelopes are queued for Bob (and after, in free pages), no plaintext on disk.
    const files = [path, `${path}-wal`];
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(f).catch(() => Buffer.alloc(0)))));
    expect(bytes.length).toBeGreaterThan(0);
    for (const text of secrets) expect(bytes.includes(Buffer.from(text))).toBe(false);
    const again = await bob.reopen();
    const received = collect(again, "message");
    await again.connect();
    await waitFor(() => received.length === secrets.length);
    expect(received.map((e) => e.message.text)).toEqual(secrets);
  });
});
