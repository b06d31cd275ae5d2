// A message the client could not store is not acknowledged: the server keeps it and delivers it
// again on the client's next connection, which the client opens by itself.
import { startTestServer, waitFor, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryKeyValueStore, type Entry, type KeyValueStore, type ParleyClient, type ScanOptions, type Write } from "../src/index.js";
import { registerClient } from "./support/clients.js";

/** The in-memory store, with a switch that makes commits fail as a full disk would. */
class FailingStore implements KeyValueStore {
  readonly inner = new MemoryKeyValueStore();
  failing = false;
  failures = 0;
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  scan(prefix: string, options?: ScanOptions): Promise<Entry[]> {
    return this.inner.scan(prefix, options);
  }
  async commit(batch: readonly Write[]): Promise<void> {
    if (this.failing) {
      this.failures++;
      throw new Error("no space left on device");
    }
    await this.inner.commit(batch);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe("SDK storage failures", () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it("leaves an envelope it could not store on the server and gets it again", async () => {
    server = await startTestServer();
    const store = new FailingStore();
    const alice = await registerClient(server);
    const bob = await registerClient(server, { store });
    clients.push(alice, bob);
    const warm = bob.events.once("message");
    await alice.sendText(bob.accountId, "warm-up");
    await warm;

    const errors: string[] = [];
    bob.events.on("error", (e) => errors.push(e.during));
    store.failing = true;
    const arrived = bob.events.once("message", (e) => e.message.text === "kept by the server");
    await alice.sendText(bob.accountId, "kept by the server");
    await waitFor(() => errors.includes("receive"), { what: "the failed receive" });
    expect(store.failures).toBeGreaterThan(0);
    const bobAddress = { accountId: bob.accountId, deviceId: 1 };
    expect(await server.stores.mailbox.count(bobAddress)).toBe(1);
    store.failing = false;
    await arrived;
    await waitFor(async () => (await server.stores.mailbox.count(bobAddress)) === 0, { what: "the acknowledgement" });
    expect((await bob.history(alice.accountId)).map((m) => m.text)).toEqual(["warm-up", "kept by the server"]);
  });
});
