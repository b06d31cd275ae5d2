import { ApiError, ErrorCode } from "./api-error.js";

/** Strict standard base64 (the schemas already bound the length); any other input is refused. */
export function decodeBase64(value: string, field: string): Uint8Array {
  const bytes = Buffer.from(value, "base64");
  if (bytes.toString("base64") !== value) {
    throw new ApiError(ErrorCode.InvalidRequest, `${field} is not canonical base64`, { field });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
}
