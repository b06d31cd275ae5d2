// Field helpers for the hand-written codecs of proto/content.proto, over @bufbuild/protobuf's
// wire reader and writer. They throw plain Errors: each codec's entry point turns every failure
// into its own typed error (ContentError, LinkingError).
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export { BinaryReader, BinaryWriter, WireType };

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

export function expectWireType(actual: WireType, expected: WireType, field: string): void {
  if (actual !== expected) throw new Error(`${field} has wire type ${actual}, expected ${expected}`);
}

/** A uint64 field as an exact JS number; values above 2^53 - 1 are refused. */
export function readUint53(reader: BinaryReader, field: string): number {
  const raw = reader.uint64();
  const value = typeof raw === "bigint" ? raw : BigInt(raw);
  if (value > maxSafe) throw new Error(`${field} exceeds 2^53 - 1`);
  return Number(value);
}

/** A string field; invalid UTF-8 is refused rather than replaced. */
export function readString(reader: BinaryReader): string {
  return reader.string(true);
}

/** A length-delimited field, copied out of the input buffer so it outlives it. */
export function readBytes(reader: BinaryReader): Uint8Array {
  return reader.bytes().slice();
}

/** The length of `text` in UTF-8, computed without encoding it. */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
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
