// Body validation shared by both transports: TypeBox schemas compiled once per schema object.
import { type TSchema } from "@parley/protocol";
import { Compile, type Validator } from "typebox/compile";
import { ApiError, ErrorCode } from "../domain/api-error.js";

export class BodyValidator {
  private readonly compiled = new Map<TSchema, Validator>();

  validate(schema: TSchema, value: unknown): unknown {
    let validator = this.compiled.get(schema);
    if (!validator) {
      validator = Compile(schema);
      this.compiled.set(schema, validator);
    }
    if (validator.Check(value)) return value;
    // Errors() walks the whole value, though it keeps only the first few errors: a 2 MB body of a
    // million array items cost a second and hundreds of megabytes. It looks at a copy cut down to
    // what the schema allows, which is invalid exactly when the value is (see prune).
    const first = validator.Errors(prune(schema, value))[0];
    const where = first?.instancePath || "body";
    throw new ApiError(ErrorCode.InvalidRequest, `${where}: ${first?.message ?? "does not match the schema"}`, {
      path: where,
    });
  }
}

interface ShapeSchema {
  readonly type?: unknown;
  readonly items?: unknown;
  readonly maxItems?: unknown;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly additionalProperties?: unknown;
}

/**
 * A copy of an invalid `value` that keeps every reason it is invalid and drops the bulk: arrays
 * end one item past `maxItems` (still too long if they were), and objects of a schema without
 * additional properties keep their declared keys and the first undeclared one (still refused if
 * there was one). Declared parts are cut the same way, so the copy is about as large as the
 * schema allows. Anything else is kept as it is.
 */
function prune(schema: unknown, value: unknown): unknown {
  if (typeof schema !== "object" || schema === null || typeof value !== "object" || value === null) return value;
  const s = schema as ShapeSchema;
  if (Array.isArray(value)) {
    if (s.type !== "array") return value;
    const kept = typeof s.maxItems === "number" ? value.slice(0, s.maxItems + 1) : value;
    return kept.map((item: unknown) => prune(s.items, item));
  }
  const properties = s.properties;
  if (s.type !== "object" || properties === undefined || s.additionalProperties !== false) return value;
  const copy: Record<string, unknown> = {};
  let undeclared = false;
  for (const key of Object.keys(value)) {
    const declared = Object.hasOwn(properties, key);
    if (!declared && undeclared) continue;
    undeclared ||= !declared;
    const item = (value as Record<string, unknown>)[key];
    // defineProperty: a "__proto__" key stays a key instead of replacing the prototype.
    Object.defineProperty(copy, key, { value: declared ? prune(properties[key], item) : item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Parses a JSON body; an empty body is `undefined`. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8")) as unknown;
  } catch {
    throw new ApiError(ErrorCode.InvalidRequest, "the body is not valid JSON");
  }
}
