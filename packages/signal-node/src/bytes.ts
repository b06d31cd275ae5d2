/**
 * A plain Uint8Array copy of a Buffer: callers of the backend may call `.slice()` (which copies
 * on a Uint8Array but not on a Buffer) or read `.buffer` (a pooled Buffer shares a larger one).
 */
export function plain(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

export function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}
