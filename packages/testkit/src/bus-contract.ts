import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeviceAddress, DeviceEvent } from "../../server/src/ports/index.js";
import type { BusFactory, BusFixture } from "./store-fixtures.js";
import { waitFor } from "./wait-for.js";

const alice: DeviceAddress = { accountId: "00000000-0000-4000-8000-00000000000a", deviceId: 1 };
const aliceLaptop: DeviceAddress = { accountId: alice.accountId, deviceId: 2 };
const bob: DeviceAddress = { accountId: "00000000-0000-4000-8000-00000000000b", deviceId: 1 };

/** Collects the events a listener receives. */
function recorder(): { readonly events: DeviceEvent[]; readonly listener: (event: DeviceEvent) => void } {
  const events: DeviceEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

/**
 * The guarantees of Bus (ports/bus.ts). The bus may lose or duplicate events by contract, but a
 * healthy one delivers, so these tests wait for delivery (with a deadline) rather than allow loss.
 * Events are published on one node and listened for on another (the same bus, in-process); tests
 * await `flush` after subscribing, as a subscription reaches other nodes asynchronously.
 */
export function describeBusContract(name: string, factory: BusFactory): void {
  describe(`Bus contract: ${name}`, () => {
    let fixture: BusFixture | undefined;
    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });
    const buses = (): BusFixture => {
      if (fixture === undefined) throw new Error("no bus outside a test");
      return fixture;
    };

    it("delivers an event to every subscriber of the device", async () => {
      const { publisher, subscriber } = buses();
      const first = recorder();
      const second = recorder();
      subscriber.subscribe(alice, first.listener);
      subscriber.subscribe(alice, second.listener);
      await subscriber.flush();
      publisher.publish(alice, { type: "messages" });
      await waitFor(() => first.events.length > 0 && second.events.length > 0, { what: "delivery" });
      expect(first.events[0]).toEqual({ type: "messages" });
      expect(second.events[0]).toEqual({ type: "messages" });
    });

    it("does not run listeners inside publish", async () => {
      const { publisher, subscriber } = buses();
      const seen = recorder();
      subscriber.subscribe(alice, seen.listener);
      await subscriber.flush();
      publisher.publish(alice, { type: "removed" });
      expect(seen.events).toEqual([]);
      await waitFor(() => seen.events.length > 0, { what: "delivery" });
    });

    it("does not deliver one device's events to another's subscribers", async () => {
      const { publisher, subscriber } = buses();
      const aliceEvents = recorder();
      const others = recorder();
      subscriber.subscribe(alice, aliceEvents.listener);
      subscriber.subscribe(aliceLaptop, others.listener);
      subscriber.subscribe(bob, others.listener);
      await subscriber.flush();
      publisher.publish(alice, { type: "connected", connectionId: "c1" });
      publisher.publish(alice, { type: "messages" });
      await waitFor(() => aliceEvents.events.length >= 2, { what: "delivery" });
      expect(others.events).toEqual([]);
    });

    it("keeps delivering to other listeners when one throws", async () => {
      const { publisher, subscriber } = buses();
      const seen = recorder();
      subscriber.subscribe(alice, () => {
        throw new Error("listener failure");
      });
      subscriber.subscribe(alice, seen.listener);
      await subscriber.flush();
      publisher.publish(alice, { type: "messages" });
      publisher.publish(alice, { type: "messages" });
      await waitFor(() => seen.events.length >= 2, { what: "delivery" });
    });

    it("stops delivering once unsubscribed", async () => {
      const { publisher, subscriber } = buses();
      const gone = recorder();
      const stays = recorder();
      const unsubscribe = subscriber.subscribe(alice, gone.listener);
      subscriber.subscribe(alice, stays.listener);
      unsubscribe();
      await subscriber.flush();
      publisher.publish(alice, { type: "messages" });
      await waitFor(() => stays.events.length > 0, { what: "delivery" });
      expect(gone.events).toEqual([]);
    });

    it("carries the data of an ephemeral envelope", async () => {
      const { publisher, subscriber } = buses();
      const seen = recorder();
      subscriber.subscribe(bob, seen.listener);
      await subscriber.flush();
      publisher.publish(bob, { type: "ephemeral", data: new Uint8Array([1, 2, 3]) });
      await waitFor(() => seen.events.length > 0, { what: "delivery" });
      expect(seen.events[0]).toEqual({ type: "ephemeral", data: new Uint8Array([1, 2, 3]) });
    });

    it("delivers to subscribers on the publishing node and on others", async () => {
      const { publisher, subscriber } = buses();
      const here = recorder();
      const there = recorder();
      publisher.subscribe(alice, here.listener);
      subscriber.subscribe(alice, there.listener);
      await publisher.flush();
      await subscriber.flush();
      publisher.publish(alice, { type: "connected", connectionId: "c1" });
      await waitFor(() => here.events.length > 0 && there.events.length > 0, { what: "delivery on both nodes" });
      expect(here.events[0]).toEqual({ type: "connected", connectionId: "c1" });
      expect(there.events[0]).toEqual({ type: "connected", connectionId: "c1" });
    });

    it("delivers again to a device subscribed anew after its last listener left", async () => {
      const { publisher, subscriber } = buses();
      const first = recorder();
      subscriber.subscribe(alice, first.listener)();
      await subscriber.flush();
      const again = recorder();
      subscriber.subscribe(alice, again.listener);
      await subscriber.flush();
      publisher.publish(alice, { type: "messages" });
      await waitFor(() => again.events.length > 0, { what: "delivery" });
      expect(first.events).toEqual([]);
    });

    it("tolerates an unsubscribe function called twice", async () => {
      const { publisher, subscriber } = buses();
      const stays = recorder();
      const unsubscribe = subscriber.subscribe(alice, () => undefined);
      subscriber.subscribe(alice, stays.listener);
      unsubscribe();
      unsubscribe();
      await subscriber.flush();
      publisher.publish(alice, { type: "messages" });
      await waitFor(() => stays.events.length > 0, { what: "delivery" });
    });

    it("is healthy while open", () => {
      const { publisher, subscriber } = buses();
      expect(publisher.healthy()).toBe(true);
      expect(subscriber.healthy()).toBe(true);
    });

    it("after close is unhealthy, and publish, subscribe, flush and close still return quietly", async () => {
      const { subscriber } = buses();
      subscriber.subscribe(alice, () => undefined);
      await subscriber.close();
      expect(subscriber.healthy()).toBe(false);
      subscriber.publish(alice, { type: "messages" });
      subscriber.subscribe(bob, () => undefined)();
      await subscriber.flush();
      await subscriber.close();
    });
  });
}
