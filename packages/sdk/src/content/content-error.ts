// Every failure of the content codec is a ContentError with a stable code. Callers branch on
// `code`; messages name the broken rule, never the text, ids or other user data.
import { ParleyError } from "../errors.js";

export const ContentErrorCode = {
  /** The bytes are not a Content message: bad protobuf, a wrong wire type, no version, no body or two. */
  Malformed: "CONTENT_MALFORMED",
  /** A Content message that breaks a rule: an id that is no UUID, a limit, a range, a missing part. */
  Invalid: "CONTENT_INVALID",
  /** Padded plaintext without the 0x80 marker after its content. */
  BadPadding: "CONTENT_BAD_PADDING",
} as const;

export type ContentErrorCode = (typeof ContentErrorCode)[keyof typeof ContentErrorCode];

export class ContentError extends ParleyError<ContentErrorCode> {
  override readonly name = "ContentError";
}

export function isContentError(value: unknown, code?: ContentErrorCode): value is ContentError {
  return value instanceof ContentError && (code === undefined || value.code === code);
}
