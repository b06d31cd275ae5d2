// Field helpers for the hand-written codecs of proto/content.proto: the protocol package's wire
// helpers (which throw WireError) plus a few of the SDK's own. Each codec's entry point turns
// every failure into its own typed error (ContentError, LinkingError).
export { BinaryReader, BinaryWriter, WireType, expectWireType, readBytes, readUint53, utf8Length } from "@parley/protocol/wire";
import type { BinaryReader } from "@parley/protocol/wire";

/** A string field; invalid UTF-8 is refused rather than replaced. */
export function readString(reader: BinaryReader): string {
  return reader.string(true);
}

// With the u flag, a surrogate class matches only unpaired surrogates.
const loneSurrogate = /[\uD800-\uDFFF]/u;

/**
 * True for a string that UTF-8 can carry unchanged. A lone surrogate would be sent as U+FFFD,
 * so the receiver would read other text than the sender wrote.
 */
export function isWellFormedString(value: unknown): value is string {
  return typeof value === "string" && !loneSurrogate.test(value);
}

export function isUint(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}
