// The client keeps its connection: when the server restarts it reconnects with backoff, gets the
// backlog, and sends what it queued while the server was away.
import { join } from "node:path";
import { openSqliteStores } from "@parley/server";
import { startTestServer, tempDir, waitFor, type TempDir, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { ParleyClient, type ConnectionState } from "../src/index.js";
import { registerClient, testOptions } from "./support/clients.js";

describe("SDK reconnection", () => {
  let server: TestServer | undefined;
  let dir: TempDir | undefined;
  const clients: ParleyClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    await dir?.cleanup();
  });

  it("reconnects after a server restart and sends what was queued meanwhile", async () => {
    dir = await tempDir();
    const path = join(dir.path, "server.db");
    server = await startTestServer({ stores: await openSqliteStores({ path }) });
    const port = Number(new URL(server.url).port);
    const alice = await registerClient(server);
    const bob = await registerClient(server);
    clients.push(alice, bob);
    const states: ConnectionState[] = [];
    alice.events.on("connection", (e) => states.push(e.state));
    const first = bob.events.once("message");
    await alice.sendText(bob.accountId, "before");
    await first;

    await server.close();
    server = undefined;
    await waitFor(() => states.includes("waiting"), { what: "alice to notice the server is gone" });
    // Queued while the server is down: stays in the outbox.
    const id = await alice.sendText(bob.accountId, "while down");
    expect(await alice.pendingCount()).toBeGreaterThan(0);

    server = await startTestServer({ stores: await openSqliteStores({ path }), port });
    const after = bob.events.once("message", (e) => e.message.messageId === id);
    await after;
    // The queued message may go out over HTTP before the socket is back: wait for the socket too.
    await waitFor(() => alice.connectionState === "open", { what: "alice reconnected" });
    expect(states.filter((s) => s === "open").length).toBeGreaterThanOrEqual(1);
    expect((await bob.history(alice.accountId)).map((m) => m.text)).toEqual(["before", "while down"]);
  });

  it("stops for good when another connection of the same device displaces it", async () => {
    server = await startTestServer();
    const alice = await registerClient(server);
    clients.push(alice);
    // The same device's state opened a second time, as a copied profile would be.
    const twin = await ParleyClient.open(testOptions(alice.store));
    clients.push(twin);
    const displaced = alice.events.once("connection", (e) => e.state === "displaced");
    await twin.connect();
    await displaced;
    expect(alice.connectionState).toBe("displaced");
    expect(twin.connectionState).toBe("open");
  });
});
