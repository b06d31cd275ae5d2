// Generators for hostile JSON bodies: values shaped by a route's JSON Schema (as the OpenAPI
// document states it), then mutated: wrong types, numbers at and past their bounds, huge and
// strange strings, deep nesting, missing and unknown keys; and raw texts that are no JSON at all.
import fc from "fast-check";

/** The part of JSON Schema the API's schemas use. */
export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
}

/** JSON text written verbatim where a value goes: numbers and tokens JSON.stringify cannot make. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Serializes like JSON.stringify, but writes RawJson verbatim and keeps every own key (even
 * "__proto__"). Iterative, with a stack of its own: mutations may nest values deeper than the
 * call stack allows. Mutations may also share one sub-value many times over, whose text grows
 * exponentially: past `maxChars` the text is cut off (still a body any server must refuse, and
 * far above every body limit).
 */
export function toJsonText(value: unknown, maxChars = 8 * 1024 * 1024): string {
  const out: string[] = [];
  let length = 0;
  // Work items: a value to write, or a literal piece of text.
  const work: Array<{ value: unknown } | { text: string }> = [{ value }];
  while (work.length > 0 && length <= maxChars) {
    const item = work.pop()!;
    if ("text" in item) {
      out.push(item.text);
      length += item.text.length;
      continue;
    }
    const current = item.value;
    if (current instanceof RawJson) {
      out.push(current.text);
      length += current.text.length;
    } else if (Array.isArray(current)) {
      const parts: Array<{ value: unknown } | { text: string }> = [{ text: "[" }];
      current.forEach((element: unknown, index) => parts.push(...(index > 0 ? [{ text: "," }] : []), { value: element }));
      parts.push({ text: "]" });
      for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i]!);
    } else if (current !== null && typeof current === "object") {
      const parts: Array<{ value: unknown } | { text: string }> = [{ text: "{" }];
      Object.keys(current).forEach((key, index) =>
        parts.push({ text: `${index > 0 ? "," : ""}${JSON.stringify(key)}:` }, { value: (current as Record<string, unknown>)[key] }),
      );
      parts.push({ text: "}" });
      for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i]!);
    } else {
      const text = JSON.stringify(current) ?? "null";
      out.push(text);
      length += text.length;
    }
  }
  return out.join("");
}

/** An object with exactly these own keys, "__proto__" included as a plain key. */
export function objectOf(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries) as Record<string, unknown>;
}

const integerEdges = [0, 1, -1, 127, 128, 0x3fff, 0x4000, 0xffffff, 0x1000000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 1e308, -1e308];
const rawNumbers = ["1e400", "-1e400", "1.0", "1E2", "-0", "0.1e1", "9007199254740993", "123456789012345678901234567890", "5e-324", "1e-400"];

/** Strings that break assumptions: empty, whitespace, control and format characters, lone surrogates, RTL. */
const oddStrings = ["", " ", "\u0000", "\t\n", "\u00a0x", "\ud800", "\udfff", "\ufeff", "\u202e", "é", "e\u0301", "🧑‍🤝‍🧑", "İ", "K", "ǅ", "%", "%00", "\\", '"', "null", "true", "0", "-", "=", "A=", "AA=", "AB==", "====", "+/+/", "-_"];

/** A string at lengths around the interesting bounds, up to `max` characters. */
function sizedString(max: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(3, 32, 33, 44, 64, 65, 88, 128, 129, 2048, 2092, 10924, 65536, 100_000), fc.integer({ min: -1, max: 1 }), fc.constantFrom("a", "A", "é", "💥", "0", "/"))
    .map(([length, skew, unit]) => unit.repeat(Math.max(0, Math.min(max, length + skew))));
}

/** Values of any type, many of them wrong for whatever field they land in. */
export function nastyValue(maxStringLength = 100_000): fc.Arbitrary<unknown> {
  const deep = fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean()).map(([depth, arrays]) => new RawJson(arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...integerEdges) },
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(...rawNumbers).map((text) => new RawJson(text)),
    { weight: 2, arbitrary: fc.constantFrom(...oddStrings) },
    fc.string({ unit: "binary", maxLength: 80 }),
    sizedString(maxStringLength),
    fc.constantFrom(null, true, false, [], {}, [null], { "": 1 }),
    deep,
    fc.jsonValue({ maxDepth: 3 }),
    fc.array(fc.constantFrom(0, "", null), { minLength: 255, maxLength: 1100 }),
  );
}

/**
 * Values valid for `schema` (as far as a generator can know: patterns and lengths, not what a
 * base64 field must decode to). `hints` supply values for properties by name (known ids, keys).
 */
export function validFor(schema: JsonSchema, hints: Readonly<Record<string, fc.Arbitrary<unknown>>> = {}, depth = 0): fc.Arbitrary<unknown> {
  if (schema.anyOf && schema.anyOf.length > 0) return fc.oneof(...schema.anyOf.map((s) => validFor(s, hints, depth + 1)));
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case "object": {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const fields = Object.entries(properties).map(([name, property]) => {
        const hinted = hints[name];
        const value = hinted ? fc.oneof({ weight: 3, arbitrary: hinted }, validFor(property, hints, depth + 1)) : validFor(property, hints, depth + 1);
        return fc.tuple(fc.constant(name), value, required.has(name) ? fc.constant(true) : fc.boolean());
      });
      return fc.tuple(...fields).map((entries) => objectOf(entries.filter(([, , present]) => present).map(([name, value]) => [name, value] as const)));
    }
    case "array": {
      const items = schema.items ?? {};
      const min = schema.minItems ?? 0;
      return fc.array(validFor(items, hints, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(schema.maxItems ?? 8, 8)) });
    }
    case "integer": {
      const min = schema.minimum ?? -(2 ** 31);
      const max = schema.maximum ?? 2 ** 31;
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }), fc.double({ min, max, noNaN: true }).map(Math.round));
    }
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "string":
      return validString(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const max = schema.maxLength ?? 64;
  if (schema.format === "byte" || schema.pattern === "^[A-Za-z0-9+/]*={0,2}$") {
    // Canonical base64 of byte counts around the key sizes, within the schema's bound (and of
    // at most 16 KiB: larger values come from the mutations and the bulk bodies).
    const maxBytes = Math.min(Math.floor((max / 4) * 3), 16 * 1024);
    return fc
      .oneof(fc.constantFrom(0, 1, 32, 33, 64, 1568, 1569, maxBytes), fc.integer({ min: 0, max: Math.min(maxBytes, 4096) }))
      .chain((length) => fc.uint8Array({ minLength: Math.min(length, maxBytes), maxLength: Math.min(length, maxBytes) }))
      .map((bytes) => Buffer.from(bytes).toString("base64"));
  }
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= max);
  }
  return fc.string({ unit: "grapheme", minLength: schema.minLength ?? 0, maxLength: Math.min(max, 80) });
}

export type JsonMutation =
  | { readonly kind: "replace"; readonly at: number; readonly value: unknown }
  | { readonly kind: "delete"; readonly at: number }
  | { readonly kind: "add"; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: "repeat"; readonly at: number; readonly times: number }
  | { readonly kind: "edge"; readonly at: number; readonly step: number };

const oddKeys = fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", " ", "valueOf", "then"), fc.string({ maxLength: 12 }));

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: nastyValue() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("add" as const), at: fc.nat(), key: oddKeys, value: nastyValue(2000) }) },
  fc.record({ kind: fc.constant("repeat" as const), at: fc.nat(), times: fc.constantFrom(2, 3, 33, 101, 257, 1001) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("edge" as const), at: fc.nat(), step: fc.constantFrom(-1, 1, 0.5, 2 ** 32, 2 ** 53) }) },
);

interface Slot {
  readonly get: () => unknown;
  readonly set: (value: unknown) => void;
  readonly remove: () => void;
}

/** Every value in `holder`, its root first, as slots that can be read, replaced or removed. */
function slotsOf(holder: { value: unknown }): Slot[] {
  const slots: Slot[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach((_, i) => {
        slots.push({ get: () => value[i], set: (v) => (value[i] = v), remove: () => value.splice(i, 1) });
        visit(value[i]);
      });
    } else if (value !== null && typeof value === "object" && !(value instanceof RawJson)) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        slots.push({ get: () => record[key], set: (v) => Object.defineProperty(record, key, { value: v, enumerable: true, writable: true, configurable: true }), remove: () => delete record[key] });
        visit(record[key]);
      }
    }
  };
  slots.push({ get: () => holder.value, set: (v) => (holder.value = v), remove: () => (holder.value = undefined) });
  visit(holder.value);
  return slots;
}

/** `value` with the mutations applied in order (to a deep copy); positions wrap around. */
/** Largest string and array a "repeat" mutation makes (the server's body limits are far below). */
const maxRepeatedChars = 1 << 20;
const maxRepeatedItems = 1 << 14;

export function applyJsonMutations(value: unknown, mutations: readonly JsonMutation[]): unknown {
  const holder = { value: structuredCopy(value) };
  for (const m of mutations) {
    const slots = slotsOf(holder);
    const slot = slots[m.at % slots.length]!;
    const current = slot.get();
    switch (m.kind) {
      // Values from the mutations are copied in: an instance fast-check hands to two mutations
      // would otherwise end up inside itself (a cycle) or shared many times over.
      case "replace":
        slot.set(structuredCopy(m.value));
        break;
      case "delete":
        slot.remove();
        break;
      case "add":
        if (current !== null && typeof current === "object" && !Array.isArray(current) && !(current instanceof RawJson)) {
          Object.defineProperty(current, m.key, { value: structuredCopy(m.value), enumerable: true, writable: true, configurable: true });
        } else if (Array.isArray(current)) current.push(structuredCopy(m.value));
        else slot.set(objectOf([[m.key, structuredCopy(m.value)]]));
        break;
      // Repeats compound when they hit the same slot again: the results are capped, or a few of
      // them in a row build strings and arrays past what the runtime can hold.
      case "repeat":
        if (Array.isArray(current) && current.length > 0) slot.set(Array.from({ length: Math.min(current.length * m.times, maxRepeatedItems) }, (_, i) => structuredCopy(current[i % current.length])));
        else if (typeof current === "string") slot.set(current.repeat(Math.max(1, Math.min(m.times, 64, Math.floor(maxRepeatedChars / Math.max(1, current.length))))));
        else slot.set(Array.from({ length: m.times }, () => structuredCopy(current)));
        break;
      case "edge":
        if (typeof current === "number") slot.set(current + m.step);
        else if (typeof current === "string") slot.set(m.step > 0 ? `${current}${current.slice(-1) || "A"}` : current.slice(0, -1));
        else slot.set(m.step);
        break;
    }
  }
  return holder.value;
}

function structuredCopy(value: unknown): unknown {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(structuredCopy);
  if (value !== null && typeof value === "object") return objectOf(Object.keys(value).map((key) => [key, structuredCopy((value as Record<string, unknown>)[key])]));
  return value;
}

/** Bodies that are not JSON, or not a JSON object: broken texts, other encodings, other types. */
export const rawBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom("", "null", "0", "[]", '"x"', "true", "{", "}", "{}{}", '{"a":1,"a":2}', '{"__proto__":{"x":1}}', "\ufeff{}", "{}\u0000", " ".repeat(10_000), "{\n}", "NaN", "[1,]", "{'a':1}").map((t) => new TextEncoder().encode(t)),
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 100 }).map((t) => new TextEncoder().encode(t)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v), "utf16le")),
  fc.jsonValue({ maxDepth: 4 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
);

/** Serializes a body, possibly breaking the text afterwards (cut short, garbage appended). */
export function serializeBody(value: unknown, damage: { readonly cut?: number; readonly tail?: string }): Uint8Array {
  let text = toJsonText(value);
  if (damage.cut !== undefined) text = text.slice(0, damage.cut % (text.length + 1));
  if (damage.tail !== undefined) text += damage.tail;
  return new TextEncoder().encode(text);
}

export const textDamage = fc.oneof(
  { weight: 10, arbitrary: fc.constant({}) },
  fc.record({ cut: fc.nat() }),
  fc.record({ tail: fc.constantFrom("}", ",", "x", "\u0000", " ", "{}", "\n\n") }),
);
