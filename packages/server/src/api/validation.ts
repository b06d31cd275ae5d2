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
    const first = validator.Errors(value)[0];
    const where = first?.instancePath || "body";
    throw new ApiError(ErrorCode.InvalidRequest, `${where}: ${first?.message ?? "does not match the schema"}`, {
      path: where,
    });
  }
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
