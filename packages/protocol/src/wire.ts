// Shared helpers for the hand-written codecs of proto/parley.proto (and, through the
// `@parley/protocol/wire` subpath, of the SDK's client-to-client formats), over @bufbuild/protobuf's
// wire reader and writer. Every read checks its wire type; any failure becomes a WireError.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { WireError } from "./wire-error.js";

export { BinaryReader, BinaryWriter, WireType };
export { utf8Length } from "./fast-writer.js";

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/** Runs `decode` and turns any failure into a WireError naming `what`. */
export function decoding<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof WireError) throw cause;
    throw new WireError(`malformed ${what}`, { cause });
  }
}

export function expectWireType(actual: WireType, expected: WireType, field: string): void {
  if (actual !== expected) throw new WireError(`${field} has wire type ${actual}, expected ${expected}`);
}

/** A uint64 field as an exact JS number; values above 2^53 - 1 are refused. */
export function readUint53(reader: BinaryReader, field: string): number {
  const raw = reader.uint64();
  const value = typeof raw === "bigint" ? raw : BigInt(raw);
  if (value > maxSafe) throw new WireError(`${field} exceeds 2^53 - 1`);
  return Number(value);
}

/** How a decoder hands out the byte fields (bodies, contents) it reads. */
export interface DecodeOptions {
  /**
   * Byte fields are views into the input instead of copies: no allocation or copying, but they
   * change if the input is modified and keep all of it alive. For a caller that owns the input
   * and never reuses it, such as a server handling a freshly received message. Default false.
   */
  readonly views?: boolean;
}

/**
 * A length-delimited field, copied out of the input buffer so it outlives it, or, with `views`,
 * the part of the input that holds it.
 */
export function readBytes(reader: BinaryReader, views = false): Uint8Array {
  return views ? reader.bytes() : reader.bytes().slice();
}
