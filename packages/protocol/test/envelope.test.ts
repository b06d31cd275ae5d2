import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEnvelope,
  decodeOutgoingMessages,
  encodeEnvelope,
  encodeOutgoingMessages,
  TooManyMessagesError,
  WireError,
  type Envelope,
} from "../src/index.js";

const envelope: Envelope = {
  id: new Uint8Array(16).fill(7),
  type: 3,
  sourceAccount: "6f1c2a52-7f43-4d8c-9a35-0b1b2f5f8e21",
  sourceDevice: 2,
  destinationDevice: 1,
  clientTimestamp: 1_700_000_000_000,
  serverTimestamp: 1_700_000_000_123,
  content: new Uint8Array([9, 8, 7]),
  ephemeral: false,
  urgent: true,
};

describe("envelopes", () => {
  it("round-trips an envelope", () => {
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it("refuses an envelope whose id is not 16 bytes", () => {
    expect(() => decodeEnvelope(encodeEnvelope({ ...envelope, id: new Uint8Array(15) }))).toThrow(WireError);
  });

  it("round-trips the binary send body", () => {
    const body = {
      timestamp: 42,
      ephemeral: true,
      urgent: false,
      messages: [
        { deviceId: 1, registrationId: 100, type: 1, content: new Uint8Array([1]) },
        { deviceId: 2, registrationId: 200, type: 3, content: new Uint8Array([2, 2]) },
      ],
    };
    expect(decodeOutgoingMessages(encodeOutgoingMessages(body), 10)).toEqual(body);
  });

  it("decodes send body contents as views into the input when asked", () => {
    const bytes = encodeOutgoingMessages({
      timestamp: 1,
      ephemeral: false,
      urgent: false,
      messages: [{ deviceId: 1, registrationId: 5, type: 1, content: new Uint8Array([4, 5, 6]) }],
    });
    const copied = decodeOutgoingMessages(bytes, 10);
    const viewed = decodeOutgoingMessages(bytes, 10, { views: true });
    expect(viewed).toEqual(copied);
    bytes[bytes.length - 1] = 0;
    expect(copied.messages[0]?.content).toEqual(new Uint8Array([4, 5, 6]));
    expect(viewed.messages[0]?.content).toEqual(new Uint8Array([4, 5, 0]));
  });

  it("stops decoding a send body past the message limit", () => {
    const messages = Array.from({ length: 5 }, (_, i) => ({ deviceId: i + 1, registrationId: 1, type: 1, content: new Uint8Array([1]) }));
    const bytes = encodeOutgoingMessages({ timestamp: 1, ephemeral: false, urgent: false, messages });
    expect(() => decodeOutgoingMessages(bytes, 4)).toThrow(TooManyMessagesError);
  });

  it("throws only WireError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of [decodeEnvelope, (b: Uint8Array) => decodeOutgoingMessages(b, 8)]) {
          try {
            decode(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
