import { describe, expect, it } from "vitest";
import { decodeDeviceEvent, encodeDeviceEvent, maxConnectionIdBytes } from "../src/adapters/nats/device-event-codec.js";
import { checkSubjectPrefix, deviceSubject } from "../src/adapters/nats/nats-subjects.js";
import type { DeviceEvent } from "../src/ports/index.js";

const alice = { accountId: "00000000-0000-4000-8000-00000000000a", deviceId: 3 };

describe("device event encoding", () => {
  const events: DeviceEvent[] = [
    { type: "messages" },
    { type: "removed" },
    { type: "connected", connectionId: "Zm9vYmFyYmF6cXV4" },
    { type: "connected", connectionId: "é".repeat(127) },
    { type: "ephemeral", data: new Uint8Array([0, 1, 2, 255]) },
    { type: "ephemeral", data: new Uint8Array(0) },
  ];

  it.each(events)("decodes what it encodes: $type", (event) => {
    expect(decodeDeviceEvent(encodeDeviceEvent(event))).toEqual(event);
  });

  it("spends one byte on a wake-up", () => {
    expect(encodeDeviceEvent({ type: "messages" })).toEqual(Uint8Array.of(1));
    expect(encodeDeviceEvent({ type: "removed" })).toEqual(Uint8Array.of(3));
  });

  it.each([
    ["nothing", []],
    ["an unknown type", [9]],
    ["a zero type", [0]],
    ["a wake-up with trailing bytes", [1, 0]],
    ["a removal with trailing bytes", [3, 3]],
    ["a connection without an id", [2]],
    ["a connection id that is not UTF-8", [2, 0xff, 0xfe]],
    ["a connection id that is too long", [2, ...new Array<number>(maxConnectionIdBytes + 1).fill(0x61)]],
  ])("rejects %s without throwing", (_, bytes) => {
    expect(decodeDeviceEvent(Uint8Array.from(bytes))).toBeUndefined();
  });

  it("copies ephemeral data out of the payload into a plain Uint8Array", () => {
    const payload = Buffer.from(encodeDeviceEvent({ type: "ephemeral", data: new Uint8Array([5, 6]) }));
    const event = decodeDeviceEvent(payload);
    payload[1] = 0;
    expect(event).toEqual({ type: "ephemeral", data: new Uint8Array([5, 6]) });
    expect(event?.type === "ephemeral" && Object.getPrototypeOf(event.data)).toBe(Uint8Array.prototype);
  });

  it("refuses to encode a connection id it would not decode", () => {
    expect(() => encodeDeviceEvent({ type: "connected", connectionId: "" })).toThrow(RangeError);
    expect(() => encodeDeviceEvent({ type: "connected", connectionId: "a".repeat(maxConnectionIdBytes + 1) })).toThrow(RangeError);
  });
});

describe("device subjects", () => {
  it("names one literal subject per device under the prefix", () => {
    expect(deviceSubject("parley", alice)).toBe("parley.device.00000000-0000-4000-8000-00000000000a.3");
    expect(deviceSubject("acme.parley", alice)).toBe("acme.parley.device.00000000-0000-4000-8000-00000000000a.3");
  });

  it.each(["*", ">", "a.b", "a b", ""])("refuses an account id that is not one subject token: %j", (accountId) => {
    expect(() => deviceSubject("parley", { accountId, deviceId: 1 })).toThrow(TypeError);
  });

  it.each([-1, 1.5, Number.NaN])("refuses device id %d", (deviceId) => {
    expect(() => deviceSubject("parley", { accountId: alice.accountId, deviceId })).toThrow(TypeError);
  });

  it.each(["", "a.", ".a", "a..b", "a.*", "a.>", "a b"])("refuses prefix %j", (prefix) => {
    expect(() => checkSubjectPrefix(prefix)).toThrow(TypeError);
  });
});
