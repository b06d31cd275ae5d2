import { describe, expect, it } from "vitest";
import { deviceListSignedMessage } from "../src/index.js";

describe("deviceListSignedMessage", () => {
  it("is the ASCII context, one zero byte, then the statement", () => {
    const context = [..."Parley device list v1"].map((c) => c.charCodeAt(0));
    expect([...deviceListSignedMessage(new Uint8Array([0xff, 0x00, 0x07]))]).toEqual([...context, 0x00, 0xff, 0x00, 0x07]);
  });

  it("covers an empty statement with the prefix alone", () => {
    expect(deviceListSignedMessage(new Uint8Array(0))).toHaveLength("Parley device list v1".length + 1);
  });
});
