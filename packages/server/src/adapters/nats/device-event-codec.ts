import type { DeviceEvent } from "../../ports/bus.js";

// The first byte of every payload. Never renumber or reuse one: nodes of different versions share
// subjects during a rolling upgrade, and a node ignores a type it does not know.
const MESSAGES = 1;
const CONNECTED = 2;
const REMOVED = 3;
const EPHEMERAL = 4;

/** Connection ids are short random tokens; anything longer is refused both ways. */
export const maxConnectionIdBytes = 255;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One byte for the type, then the connection id (UTF-8) of "connected" or the bytes of
 * "ephemeral"; nothing else follows. Throws a RangeError for a connection id that is empty or
 * longer than `maxConnectionIdBytes`.
 */
export function encodeDeviceEvent(event: DeviceEvent): Uint8Array {
  switch (event.type) {
    case "messages":
      return Uint8Array.of(MESSAGES);
    case "removed":
      return Uint8Array.of(REMOVED);
    case "connected": {
      const id = utf8.encode(event.connectionId);
      if (id.length === 0 || id.length > maxConnectionIdBytes) throw new RangeError("connection id length out of range");
      return withType(CONNECTED, id);
    }
    case "ephemeral":
      return withType(EPHEMERAL, event.data);
  }
}

/**
 * The event `payload` encodes, or undefined for anything `encodeDeviceEvent` would not produce
 * (an unknown type, trailing bytes, a bad connection id). Never throws. The data of an ephemeral
 * event is a plain Uint8Array copied out of `payload`.
 */
export function decodeDeviceEvent(payload: Uint8Array): DeviceEvent | undefined {
  const rest = payload.subarray(1);
  switch (payload[0]) {
    case MESSAGES:
      return rest.length === 0 ? { type: "messages" } : undefined;
    case REMOVED:
      return rest.length === 0 ? { type: "removed" } : undefined;
    case CONNECTED: {
      if (rest.length === 0 || rest.length > maxConnectionIdBytes) return undefined;
      try {
        return { type: "connected", connectionId: strictUtf8.decode(rest) };
      } catch {
        return undefined;
      }
    }
    case EPHEMERAL:
      // A copy, and a plain Uint8Array even when the client hands over a Buffer.
      return { type: "ephemeral", data: new Uint8Array(rest) };
    default:
      return undefined;
  }
}

function withType(type: number, body: Uint8Array): Uint8Array {
  const payload = new Uint8Array(1 + body.length);
  payload[0] = type;
  payload.set(body, 1);
  return payload;
}
