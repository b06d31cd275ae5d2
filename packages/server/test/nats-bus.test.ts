import {
  describeSkipped,
  freePort,
  natsTestTarget,
  startTcpProxy,
  uniqueSubjectPrefix,
  waitFor,
} from "@parley/testkit";
import { connect } from "nats";
import { describe, expect, it } from "vitest";
import { encodeDeviceEvent } from "../src/adapters/nats/device-event-codec.js";
import { connectNatsBus, NatsConnectError } from "../src/adapters/nats/index.js";
import { deviceSubject } from "../src/adapters/nats/nats-subjects.js";
import type { DeviceEvent } from "../src/ports/index.js";

const alice = { accountId: "00000000-0000-4000-8000-00000000000a", deviceId: 1 };
const bob = { accountId: "00000000-0000-4000-8000-00000000000b", deviceId: 1 };
const fastReconnect = { initial: 20, max: 100 };

function recorder(): { readonly events: DeviceEvent[]; readonly listener: (event: DeviceEvent) => void } {
  const events: DeviceEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

describe("connectNatsBus", () => {
  it("fails with an error naming the servers, credentials redacted, when none answers", async () => {
    const port = await freePort();
    const error = await connectNatsBus({ servers: `nats://parley:hunter2@127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NatsConnectError);
    expect((error as NatsConnectError).code).toBe("NATS_UNREACHABLE");
    expect((error as Error).message).toContain(`nats://[REDACTED]@127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("refuses a prefix that is not subject tokens before connecting", async () => {
    await expect(connectNatsBus({ servers: "nats://127.0.0.1:1", prefix: "parley.>" })).rejects.toThrow(TypeError);
  });
});

const nats = await natsTestTarget();

if (nats.available) {
  const url = nats.url;

  describe("NatsBus", () => {
    it("ignores payloads that do not decode, and counts them", async () => {
      const prefix = uniqueSubjectPrefix();
      const bus = await connectNatsBus({ servers: url, prefix });
      const raw = await connect({ servers: url });
      try {
        const seen = recorder();
        bus.subscribe(alice, seen.listener);
        await bus.flush();
        const subject = deviceSubject(prefix, alice);
        for (const bytes of [[], [0], [9], [1, 0], [3, 3], [2], [2, 0xff, 0xfe]]) raw.publish(subject, Uint8Array.from(bytes));
        raw.publish(subject, encodeDeviceEvent({ type: "connected", connectionId: "marker" }));
        await waitFor(() => seen.events.length > 0, { what: "the marker" });
        expect(seen.events).toEqual([{ type: "connected", connectionId: "marker" }]);
        expect(bus.stats().malformed).toBe(7);
        expect(bus.healthy()).toBe(true);
      } finally {
        await raw.close();
        await bus.close();
      }
    });

    it("holds one NATS subscription per device, whatever its local listeners", async () => {
      const bus = await connectNatsBus({ servers: url, prefix: uniqueSubjectPrefix() });
      try {
        const first = bus.subscribe(alice, () => undefined);
        const second = bus.subscribe(alice, () => undefined);
        const third = bus.subscribe(bob, () => undefined);
        expect(bus.stats()).toMatchObject({ subscriptions: 2, listeners: 3 });
        first();
        expect(bus.stats()).toMatchObject({ subscriptions: 2, listeners: 2 });
        second();
        expect(bus.stats()).toMatchObject({ subscriptions: 1, listeners: 1 });
        third();
        expect(bus.stats()).toMatchObject({ subscriptions: 0, listeners: 0 });
      } finally {
        await bus.close();
      }
    });

    it("reports a throwing listener to onListenerError", async () => {
      const errors: unknown[] = [];
      const prefix = uniqueSubjectPrefix();
      const bus = await connectNatsBus({ servers: url, prefix, onListenerError: (error) => errors.push(error) });
      const other = await connectNatsBus({ servers: url, prefix });
      try {
        bus.subscribe(alice, () => {
          throw new Error("listener failure");
        });
        await bus.flush();
        other.publish(alice, { type: "messages" });
        await waitFor(() => errors.length === 1, { what: "the error report" });
        expect(errors[0]).toBeInstanceOf(Error);
      } finally {
        await other.close();
        await bus.close();
      }
    });

    it("keeps delivering this node's events to its own listeners while cut off from NATS", async () => {
      const proxy = await startTcpProxy(url);
      const bus = await connectNatsBus({ servers: proxy.url, prefix: uniqueSubjectPrefix(), reconnectDelayMs: fastReconnect });
      try {
        const seen = recorder();
        bus.subscribe(alice, seen.listener);
        await proxy.cut();
        await waitFor(() => !bus.healthy(), { what: "the disconnect" });
        await bus.flush();
        bus.publish(alice, { type: "ephemeral", data: new Uint8Array([7]) });
        await waitFor(() => seen.events.length > 0, { what: "local delivery" });
        expect(seen.events).toEqual([{ type: "ephemeral", data: new Uint8Array([7]) }]);
      } finally {
        await bus.close();
        await proxy.close();
      }
    });

    it("sends the wake-ups published while cut off once reconnected, and drops the rest", async () => {
      const prefix = uniqueSubjectPrefix();
      const proxy = await startTcpProxy(url);
      const health: boolean[] = [];
      let reconnects = 0;
      const cutOff = await connectNatsBus({
        servers: proxy.url,
        prefix,
        reconnectDelayMs: fastReconnect,
        onHealthChange: (healthy) => health.push(healthy),
        onReconnect: () => (reconnects += 1),
      });
      const other = await connectNatsBus({ servers: url, prefix });
      try {
        const aliceEvents = recorder();
        const bobEvents = recorder();
        other.subscribe(alice, aliceEvents.listener);
        other.subscribe(bob, bobEvents.listener);
        await other.flush();

        await proxy.cut();
        await waitFor(() => !cutOff.healthy(), { what: "the disconnect" });
        expect(() => {
          cutOff.publish(alice, { type: "ephemeral", data: new Uint8Array([7]) });
          cutOff.publish(alice, { type: "connected", connectionId: "stale" });
          cutOff.publish(alice, { type: "messages" });
          cutOff.publish(alice, { type: "messages" });
          cutOff.publish(bob, { type: "removed" });
        }).not.toThrow();
        expect(cutOff.stats()).toMatchObject({ pending: 2, dropped: 2 });

        await proxy.resume();
        await waitFor(() => cutOff.healthy(), { what: "the reconnect" });
        expect(cutOff.stats().pending).toBe(0);
        // Sent after the held wake-ups on the same connection, so it arrives after them.
        cutOff.publish(alice, { type: "connected", connectionId: "marker" });
        await waitFor(() => aliceEvents.events.length >= 2 && bobEvents.events.length >= 1, { what: "the held wake-ups" });
        expect(aliceEvents.events).toEqual([{ type: "messages" }, { type: "connected", connectionId: "marker" }]);
        expect(bobEvents.events).toEqual([{ type: "removed" }]);
        expect(health).toEqual([false, true]);
        expect(reconnects).toBe(1);
      } finally {
        await other.close();
        await cutOff.close();
        await proxy.close();
      }
    });
  });
} else {
  describeSkipped("NatsBus", nats.skipReason);
}
