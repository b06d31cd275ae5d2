// Thin helpers over @bufbuild/protobuf's wire reader and writer for the few proto2 messages of
// the protocol. Decoding never trusts the input: any wire error becomes INVALID_MESSAGE, and
// unknown fields are skipped, as protobuf requires.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { SignalError, SignalErrorCode } from "./errors.js";

export { BinaryWriter, WireType };

/** A decoded field: varints as numbers, length-delimited fields as bytes. */
export type FieldValue = number | Uint8Array;

/**
 * Reads every field of a message, keeping every occurrence in order (for repeated fields).
 * Varints must fit in 53 bits, so they are exact JS numbers.
 */
export function readAllFields(bytes: Uint8Array, what: string): Map<number, FieldValue[]> {
  const fields = new Map<number, FieldValue[]>();
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      let value: FieldValue;
      if (wireType === WireType.Varint) {
        const raw = reader.uint64();
        const n = typeof raw === "bigint" ? raw : BigInt(raw);
        if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`field ${fieldNo} exceeds 53 bits`);
        value = Number(n);
      } else if (wireType === WireType.LengthDelimited) {
        value = reader.bytes().slice();
      } else {
        reader.skip(wireType, fieldNo);
        continue;
      }
      const list = fields.get(fieldNo);
      if (list) list.push(value);
      else fields.set(fieldNo, [value]);
    }
  } catch (cause) {
    if (cause instanceof SignalError) throw cause;
    throw new SignalError(SignalErrorCode.InvalidMessage, `malformed ${what}`, { cause });
  }
  return fields;
}

/**
 * Reads every field of a message. A repeated field keeps its last value, as proto2 does for
 * singular fields. Returns field number → value.
 */
export function readFields(bytes: Uint8Array, what: string): Map<number, FieldValue> {
  const fields = new Map<number, FieldValue>();
  for (const [fieldNo, values] of readAllFields(bytes, what)) fields.set(fieldNo, values[values.length - 1]!);
  return fields;
}

export function requireBytes(fields: Map<number, FieldValue>, fieldNo: number, what: string, length?: number): Uint8Array {
  const value = fields.get(fieldNo);
  if (!(value instanceof Uint8Array)) throw new SignalError(SignalErrorCode.InvalidMessage, `${what} is missing`);
  if (length !== undefined && value.length !== length) {
    throw new SignalError(SignalErrorCode.InvalidMessage, `${what} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

export function optionalBytes(fields: Map<number, FieldValue>, fieldNo: number, what: string): Uint8Array | undefined {
  const value = fields.get(fieldNo);
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw new SignalError(SignalErrorCode.InvalidMessage, `${what} has the wrong wire type`);
  return value;
}

export function requireUint32(fields: Map<number, FieldValue>, fieldNo: number, what: string): number {
  const value = optionalUint32(fields, fieldNo, what);
  if (value === undefined) throw new SignalError(SignalErrorCode.InvalidMessage, `${what} is missing`);
  return value;
}

export function optionalUint32(fields: Map<number, FieldValue>, fieldNo: number, what: string): number | undefined {
  const value = fields.get(fieldNo);
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw new SignalError(SignalErrorCode.InvalidMessage, `${what} has the wrong wire type`);
  if (value > 0xffffffff) throw new SignalError(SignalErrorCode.InvalidMessage, `${what} exceeds 32 bits`);
  return value;
}

/** A varint of up to 53 bits (timestamps in milliseconds). */
export function optionalUint53(fields: Map<number, FieldValue>, fieldNo: number, what: string): number | undefined {
  const value = fields.get(fieldNo);
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw new SignalError(SignalErrorCode.InvalidMessage, `${what} has the wrong wire type`);
  return value;
}

export function writeBytes(writer: BinaryWriter, fieldNo: number, value: Uint8Array): void {
  writer.tag(fieldNo, WireType.LengthDelimited).bytes(value);
}

export function writeUint32(writer: BinaryWriter, fieldNo: number, value: number): void {
  writer.tag(fieldNo, WireType.Varint).uint32(value);
}

export function writeUint53(writer: BinaryWriter, fieldNo: number, value: number): void {
  writer.tag(fieldNo, WireType.Varint).uint64(value);
}
