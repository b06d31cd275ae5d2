// Generators for hostile bytes: mutations of well-formed encodings (bit flips, cuts, splices,
// varints at the edges of their ranges) and protobuf-shaped messages with arbitrary fields, wire
// types and lengths that need not match what follows.
import fc from "fast-check";

export type ByteMutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set"; readonly at: number; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number }
  | { readonly kind: "varint"; readonly at: number; readonly value: bigint; readonly replace: boolean };

/** Varints at the edges: 7, 32, 53 and 64 bits, and beyond what 10 bytes can hold. */
export const edgeVarints: readonly bigint[] = [
  0n,
  1n,
  127n,
  128n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
  2n ** 70n,
];

export function varintBytes(value: bigint): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 128n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Uint8Array.from(out);
}

const position = fc.nat({ max: 1 << 20 });
const edgeByte = fc.oneof(fc.constantFrom(0x00, 0x01, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x12, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 }));

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: position, value: edgeByte }),
  fc.record({ kind: fc.constant("insert" as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: position }),
  fc.record({ kind: fc.constant("duplicate" as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant("varint" as const),
    at: position,
    value: fc.oneof(fc.constantFrom(...edgeVarints), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    replace: fc.boolean(),
  }),
);

/** Applies the mutations in order; positions wrap around the current length. */
export function applyMutations(input: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let bytes = input;
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    switch (m.kind) {
      case "flip":
        if (bytes.length > 0) bytes = withByte(bytes, at % bytes.length, (bytes[at % bytes.length] ?? 0) ^ (1 << m.bit));
        break;
      case "set":
        if (bytes.length > 0) bytes = withByte(bytes, at % bytes.length, m.value);
        break;
      case "insert":
        bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
        break;
      case "delete":
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + m.length));
        break;
      case "truncate":
        bytes = bytes.subarray(0, at);
        break;
      case "duplicate":
        bytes = concat(bytes.subarray(0, at + m.length), bytes.subarray(at, at + m.length), bytes.subarray(at + m.length));
        break;
      case "varint": {
        const varint = varintBytes(m.value);
        bytes = concat(bytes.subarray(0, at), varint, bytes.subarray(m.replace ? at + varint.length : at));
        break;
      }
    }
  }
  return bytes;
}

/** `base` with one to `maxMutations` mutations applied. */
export function mutated(base: fc.Arbitrary<Uint8Array>, maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(base, fc.array(byteMutation, { minLength: 1, maxLength: maxMutations }))
    .map(([bytes, mutations]) => applyMutations(bytes, mutations));
}

/** One protobuf field as it may appear on the wire, well-formed or not. */
interface RawField {
  readonly fieldNo: number;
  readonly wireType: number;
  readonly payload: Uint8Array;
}

/**
 * Protobuf-shaped bytes: fields with the given numbers (plus any other), every wire type including
 * the invalid 6 and 7 and groups, varints of every size, and length prefixes that may lie.
 */
export function protobufShaped(fieldNumbers: readonly number[], depth = 2): fc.Arbitrary<Uint8Array> {
  const fieldNo = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fieldNumbers) }, fc.integer({ min: 0, max: 40 }), fc.constantFrom(2 ** 29 - 1, 2 ** 29));
  const varint = fc.oneof(fc.constantFrom(...edgeVarints), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(varintBytes);
  const nested = depth > 0 ? protobufShaped(fieldNumbers, depth - 1) : fc.uint8Array({ maxLength: 32 });
  const lengthDelimited = fc
    .tuple(fc.oneof(nested, fc.uint8Array({ maxLength: 64 }), fc.string({ unit: "binary", maxLength: 40 }).map((s) => new TextEncoder().encode(s))), fc.integer({ min: -3, max: 3 }), fc.nat({ max: 9 }))
    // Mostly an honest length; sometimes one that is a little off, or absurdly large.
    .map(([body, skew, lie]) => concat(varintBytes(lie === 0 ? 2n ** 32n + BigInt(body.length) : BigInt(Math.max(0, body.length + (lie < 3 ? skew : 0)))), body));
  const field: fc.Arbitrary<RawField> = fc.oneof(
    fc.record({ fieldNo, wireType: fc.constant(0), payload: varint }),
    fc.record({ fieldNo, wireType: fc.constant(1), payload: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
    fc.record({ fieldNo, wireType: fc.constant(2), payload: lengthDelimited }),
    fc.record({ fieldNo, wireType: fc.constantFrom(3, 4), payload: fc.constant(new Uint8Array(0)) }),
    fc.record({ fieldNo, wireType: fc.constant(5), payload: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
    fc.record({ fieldNo, wireType: fc.constantFrom(6, 7), payload: fc.uint8Array({ maxLength: 4 }) }),
  );
  return fc.array(field, { maxLength: 8 }).map((fields) => concat(...fields.flatMap((f) => [varintBytes(BigInt(f.fieldNo) * 8n + BigInt(f.wireType)), f.payload])));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value & 0xff;
  return copy;
}
