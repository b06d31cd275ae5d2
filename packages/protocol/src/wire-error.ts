// Decoding untrusted bytes fails with a WireError and nothing else, so callers can answer every
// malformed input the same documented way (a 400, or closing the socket with MALFORMED_FRAME).

export class WireError extends Error {
  override readonly name = "WireError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
