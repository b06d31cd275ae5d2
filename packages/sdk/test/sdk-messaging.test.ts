// End-to-end encrypted messaging between SDK clients over a real server on loopback.
import { startTestServer, waitFor, type TestServer } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ParleyClient } from "../src/index.js";
import { registerClient } from "./support/clients.js";

describe("SDK messaging", () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  async function client(): Promise<ParleyClient> {
    const c = await registerClient(server);
    clients.push(c);
    return c;
  }

  it("delivers a text message and reports delivery back to the sender", async () => {
    const alice = await client();
    const bob = await client();
    const received = bob.events.once("message");
    const messageId = await alice.sendText(bob.accountId, "hello bob");
    const { message } = await received;
    expect(message).toMatchObject({ messageId, text: "hello bob", author: alice.accountId, conversation: alice.accountId, direction: "in" });
    await waitFor(async () => (await alice.history(bob.accountId))[0]?.status === "delivered");
    const [sent] = await alice.history(bob.accountId);
    expect(sent).toMatchObject({ messageId, text: "hello bob", direction: "out", status: "delivered" });
  });
});
