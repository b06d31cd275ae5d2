import {
  describeSkipped,
  natsServerBinary,
  startNatsServer,
  uniqueSubjectPrefix,
  waitFor,
  type NatsServerProcess,
} from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { connectNatsBus } from "../src/adapters/nats/index.js";
import { deviceSubject } from "../src/adapters/nats/nats-subjects.js";
import type { DeviceEvent } from "../src/ports/index.js";

const alice = { accountId: "00000000-0000-4000-8000-00000000000a", deviceId: 1 };
const bob = { accountId: "00000000-0000-4000-8000-00000000000b", deviceId: 1 };

/** The subjects the server holds subscriptions to for the client connection named `name`. */
async function subscribedSubjects(monitorUrl: string, name: string): Promise<string[]> {
  const response = await fetch(`${monitorUrl}/connz?subs=1`);
  const body: unknown = await response.json();
  const connections = (body as { connections?: unknown }).connections;
  if (!Array.isArray(connections)) throw new Error("connz: no connection list");
  const mine = connections.filter((c: unknown) => (c as { name?: unknown }).name === name);
  if (mine.length !== 1) throw new Error(`connz: ${mine.length} connections named ${name}`);
  const list: unknown = (mine[0] as { subscriptions_list?: unknown }).subscriptions_list ?? [];
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) throw new Error("connz: bad subscription list");
  return [...(list as string[])].sort();
}

const binary = await natsServerBinary();

if (binary.available) {
  describe("NatsBus on a private NATS server", () => {
    let server: NatsServerProcess | undefined;
    afterEach(async () => {
      await server?.kill();
      server = undefined;
    });

    it("is unhealthy while NATS is gone, then healthy again with its subscriptions restored", async () => {
      server = await startNatsServer(binary.path);
      const prefix = uniqueSubjectPrefix();
      const health: boolean[] = [];
      let reconnects = 0;
      const bus = await connectNatsBus({
        servers: server.url,
        prefix,
        reconnectDelayMs: { initial: 20, max: 200 },
        onHealthChange: (healthy) => health.push(healthy),
        onReconnect: () => (reconnects += 1),
      });
      try {
        const seen: DeviceEvent[] = [];
        bus.subscribe(alice, (event) => seen.push(event));
        expect(bus.healthy()).toBe(true);

        await server.kill();
        await waitFor(() => !bus.healthy(), { what: "the bus to notice" });
        expect(health).toEqual([false]);
        expect(reconnects).toBe(0);
        expect(() => bus.publish(bob, { type: "messages" })).not.toThrow();

        await server.restart();
        await waitFor(() => bus.healthy(), { timeoutMs: 10_000, what: "the reconnect" });
        expect(health).toEqual([false, true]);
        expect(reconnects).toBe(1);

        await bus.flush();
        const other = await connectNatsBus({ servers: server.url, prefix });
        try {
          other.publish(alice, { type: "messages" });
          await waitFor(() => seen.length > 0, { what: "delivery on the restored subscription" });
          expect(seen).toEqual([{ type: "messages" }]);
        } finally {
          await other.close();
        }
      } finally {
        await bus.close();
      }
      expect(bus.healthy()).toBe(false);
    });

    it("holds one subscription per device on the server, whatever its local listeners", async () => {
      server = await startNatsServer(binary.path);
      const { monitorUrl } = server;
      const prefix = uniqueSubjectPrefix();
      const bus = await connectNatsBus({ servers: server.url, prefix, name: "refcount" });
      const held = async () => {
        await bus.flush();
        return subscribedSubjects(monitorUrl, "refcount");
      };
      try {
        const first = bus.subscribe(alice, () => undefined);
        const second = bus.subscribe(alice, () => undefined);
        const third = bus.subscribe(bob, () => undefined);
        expect(await held()).toEqual([deviceSubject(prefix, alice), deviceSubject(prefix, bob)].sort());
        first();
        expect(await held()).toEqual([deviceSubject(prefix, alice), deviceSubject(prefix, bob)].sort());
        second();
        expect(await held()).toEqual([deviceSubject(prefix, bob)]);
        third();
        expect(await held()).toEqual([]);
      } finally {
        await bus.close();
      }
    });
  });
} else {
  describeSkipped("NatsBus on a private NATS server", binary.skipReason);
}
