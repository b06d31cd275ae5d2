// The linking code a new device shows (as a QR code) for its account's primary to scan:
//   parley-link:v1?address=<percent-encoded provisioning address>&key=<base64url public key>
// The address names the provisioning socket the device waits on; the key is the ephemeral
// Curve25519 key the primary seals the provisioning message to (33 bytes, 0x05 first).
import { PublicKey } from "@parley/signal";
import { isWellFormedString } from "../content/wire.js";
import { decodeBase64url, encodeBase64url } from "../util/base64url.js";
import { LinkingError, LinkingErrorCode } from "./linking-error.js";

export interface LinkingCode {
  /** The provisioning address the server gave the new device. */
  address: string;
  /** The new device's ephemeral public key. */
  publicKey: PublicKey;
}

const scheme = "parley-link:";
const prefix = `${scheme}v1?`;
const maxAddressLength = 128;
/** Bounds the work parsing does; a valid code is far shorter. */
const maxCodeLength = 1024;

function invalid(message: string, cause?: unknown): LinkingError {
  return new LinkingError(LinkingErrorCode.CodeInvalid, message, cause === undefined ? undefined : { cause });
}

function checkAddress(address: unknown): asserts address is string {
  if (!isWellFormedString(address) || address.length === 0 || address.length > maxAddressLength) {
    throw invalid(`address must be 1 to ${maxAddressLength} characters`);
  }
}

/** Throws LINK_CODE_INVALID for an address that is empty, too long or not well-formed text. */
export function formatLinkingCode(code: LinkingCode): string {
  checkAddress(code.address);
  return `${prefix}address=${encodeURIComponent(code.address)}&key=${encodeBase64url(code.publicKey.serialize())}`;
}

/**
 * Reads a scanned code. Surrounding whitespace is ignored and the scheme's case too (URI schemes
 * are case-insensitive); otherwise exactly the two parameters, each once. Throws LINK_CODE_INVALID.
 */
export function parseLinkingCode(text: string): LinkingCode {
  if (typeof text !== "string" || text.length > maxCodeLength) throw invalid("not a linking code");
  const trimmed = text.trim();
  if (trimmed.slice(0, scheme.length).toLowerCase() !== scheme || !trimmed.startsWith(prefix.slice(scheme.length), scheme.length)) {
    throw invalid("not a version 1 linking code");
  }
  const params = new Map<string, string>();
  for (const part of trimmed.slice(prefix.length).split("&")) {
    const equals = part.indexOf("=");
    const name = equals < 0 ? part : part.slice(0, equals);
    if ((name !== "address" && name !== "key") || equals < 0) throw invalid("unexpected parameter in linking code");
    if (params.has(name)) throw invalid("repeated parameter in linking code");
    params.set(name, part.slice(equals + 1));
  }
  const encodedAddress = params.get("address");
  const encodedKey = params.get("key");
  if (encodedAddress === undefined || encodedKey === undefined) throw invalid("linking code lacks its address or key");

  let address: string;
  try {
    address = decodeURIComponent(encodedAddress);
  } catch (cause) {
    throw invalid("address is not percent-encoded UTF-8", cause);
  }
  checkAddress(address);

  const keyBytes = decodeBase64url(encodedKey);
  if (keyBytes === undefined) throw invalid("key is not base64url");
  try {
    return { address, publicKey: PublicKey.deserialize(keyBytes) };
  } catch (cause) {
    throw invalid("key is not a Curve25519 public key", cause);
  }
}
