import { describe, expect, it } from "vitest";
import { waitFor } from "@parley/testkit";
import { InProcessBus } from "../src/adapters/memory/index.js";

const device = { accountId: "00000000-0000-4000-8000-000000000001", deviceId: 1 };

describe("InProcessBus", () => {
  it("reports a throwing listener to onListenerError", async () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus({ onListenerError: (error) => errors.push(error) });
    bus.subscribe(device, () => {
      throw new Error("boom");
    });
    bus.publish(device, { type: "messages" });
    await waitFor(() => errors.length === 1, { what: "the error report" });
    expect(errors[0]).toBeInstanceOf(Error);
    await bus.close();
  });

  it("delivers nothing after close", async () => {
    const bus = new InProcessBus();
    const events: unknown[] = [];
    bus.subscribe(device, (event) => events.push(event));
    await bus.close();
    bus.publish(device, { type: "messages" });
    const later = new InProcessBus();
    const marker: unknown[] = [];
    later.subscribe(device, (event) => marker.push(event));
    later.publish(device, { type: "messages" });
    await waitFor(() => marker.length === 1, { what: "a later delivery" });
    expect(events).toEqual([]);
    await later.close();
  });
});
