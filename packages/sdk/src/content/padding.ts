// Plaintext padding as Signal clients do it, so that ciphertext lengths reveal only the length
// of the content in steps of 160 bytes: the content, the marker 0x80, then zeros.
import { ContentError, ContentErrorCode } from "./content-error.js";

export const PADDING_BLOCK = 160;
const MARKER = 0x80;

/** The content, 0x80, then zeros up to the next multiple of 160 bytes (always at least one byte added). */
export function padPlaintext(content: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil((content.length + 1) / PADDING_BLOCK) * PADDING_BLOCK);
  padded.set(content);
  padded[content.length] = MARKER;
  return padded;
}

/**
 * Strips the trailing zeros and the 0x80 marker before them; returns a view into `padded`.
 * The total length is not checked, as Signal does not: a sender may pad more than needed.
 * Throws CONTENT_BAD_PADDING when the last non-zero byte is not 0x80.
 */
export function unpadPlaintext(padded: Uint8Array): Uint8Array {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== MARKER) {
    throw new ContentError(ContentErrorCode.BadPadding, "padded plaintext has no 0x80 marker");
  }
  return padded.subarray(0, end);
}
