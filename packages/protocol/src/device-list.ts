// What a signed device list's signature covers. The primary device signs a statement naming the
// account's devices with the identity key; contacts check it before encrypting to a new device.
// The statement's format is the clients' business; the server checks only the signature.

/**
 * Domain separation: the signed bytes start with this ASCII text and a zero byte, so a device-list
 * signature can never pass for a prekey signature or any other use of the identity key.
 */
export const deviceListSignatureContext = "Parley device list v1";

/** The bytes a device-list signature covers: the context's ASCII bytes, a zero byte, the statement. */
export function deviceListSignedMessage(statement: Uint8Array): Uint8Array {
  const context = new TextEncoder().encode(deviceListSignatureContext);
  const message = new Uint8Array(context.length + 1 + statement.length);
  message.set(context, 0);
  message.set(statement, context.length + 1);
  return message;
}
