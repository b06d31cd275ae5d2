// The envelope of every record this package stores (sessions, prekeys, sender keys): one format
// byte, then a protobuf body. A new format gets a new byte while readers of the old ones stay,
// so stored state survives library upgrades; anything unreadable is INVALID_STATE.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { SignalError, SignalErrorCode } from "./errors.js";

export const STORED_FORMAT_V1 = 1;

/** Writes the format byte, then lets `build` write the body. */
export function encodeStored(build: (writer: BinaryWriter) => void): Uint8Array {
  const writer = new BinaryWriter();
  writer.raw(Uint8Array.of(STORED_FORMAT_V1));
  build(writer);
  return writer.finish();
}

/** Checks the format byte and parses the body; every failure becomes INVALID_STATE. */
export function decodeStored<T>(bytes: Uint8Array, what: string, parse: (body: Uint8Array) => T): T {
  if (bytes[0] !== STORED_FORMAT_V1) throw new SignalError(SignalErrorCode.InvalidState, `unknown ${what} format ${bytes[0]}`);
  try {
    return parse(bytes.subarray(1));
  } catch (cause) {
    if (cause instanceof SignalError && cause.code === SignalErrorCode.InvalidState) throw cause;
    throw new SignalError(SignalErrorCode.InvalidState, `corrupt ${what}`, { cause });
  }
}
