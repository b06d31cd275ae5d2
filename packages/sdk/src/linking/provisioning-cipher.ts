// Sealing a provisioning payload to the ephemeral key of a device being linked. The server
// relays the sealed bytes between the two devices and learns nothing from them.
//
// Format, version 1:
//   0x01 ‖ sealer's ephemeral public key (33 bytes) ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext and tag
// key = HKDF-SHA256(ikm = X25519(sealer ephemeral, recipient), salt = none,
//                   info = "Parley provisioning v1", 32 bytes)
// The version byte and the sealer's key are the associated data, so changing either fails the
// tag even where X25519 would not notice (it ignores the top bit of a key).
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { KeyPair, PublicKey, type RandomSource } from "@parley/signal";
import { LinkingError, LinkingErrorCode } from "./linking-error.js";
import {
  PayloadRuleError,
  checkProvisioningPayload,
  decodeProvisioningPayload,
  encodeProvisioningPayload,
  type ProvisioningPayload,
} from "./provisioning-payload.js";

const VERSION = 0x01;
const PUBLIC_KEY_BYTES = 33;
const HEADER_BYTES = 1 + PUBLIC_KEY_BYTES;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const info = new TextEncoder().encode("Parley provisioning v1");

/** The largest provisioning message the server relays (docs/protocol.md, section 8). */
export const MAX_PROVISIONING_MESSAGE_BYTES = 65_536;

function deriveKey(sharedSecret: Uint8Array): Uint8Array {
  return hkdf(sha256, sharedSecret, undefined, info, 32);
}

/**
 * Seals `payload` for the device whose linking code gave `recipient`. Throws
 * LINK_PAYLOAD_INVALID when the payload breaks a rule, LINK_PAYLOAD_TOO_LARGE when it would not
 * fit in a provisioning message (fewer contacts, then), LINK_CODE_INVALID when `recipient` is
 * not a key agreement can use.
 */
export async function sealProvisioningMessage(payload: ProvisioningPayload, recipient: PublicKey, random: RandomSource): Promise<Uint8Array> {
  try {
    checkProvisioningPayload(payload);
  } catch (cause) {
    const message = cause instanceof PayloadRuleError ? cause.message : "payload is not a provisioning payload";
    throw new LinkingError(LinkingErrorCode.PayloadInvalid, message, { cause });
  }
  const plaintext = encodeProvisioningPayload(payload);
  const size = HEADER_BYTES + NONCE_BYTES + plaintext.length + TAG_BYTES;
  if (size > MAX_PROVISIONING_MESSAGE_BYTES) {
    plaintext.fill(0);
    throw new LinkingError(LinkingErrorCode.PayloadTooLarge, `sealed payload would be ${size} bytes, over ${MAX_PROVISIONING_MESSAGE_BYTES}`);
  }

  const ephemeral = await KeyPair.generateAsync(random);
  let sharedSecret: Uint8Array;
  try {
    sharedSecret = await ephemeral.privateKey.agree(recipient);
  } catch (cause) {
    plaintext.fill(0);
    throw new LinkingError(LinkingErrorCode.CodeInvalid, "the recipient key cannot be used for key agreement", { cause });
  }
  const key = deriveKey(sharedSecret);
  const nonce = random(NONCE_BYTES);

  const out = new Uint8Array(size);
  out[0] = VERSION;
  out.set(ephemeral.publicKey.serialize(), 1);
  out.set(nonce, HEADER_BYTES);
  out.set(gcm(key, nonce, out.subarray(0, HEADER_BYTES)).encrypt(plaintext), HEADER_BYTES + NONCE_BYTES);
  for (const secret of [plaintext, sharedSecret, key]) secret.fill(0);
  return out;
}

/**
 * Opens a message sealed to `recipient` and returns the payload, checked as sealing checks it.
 * Throws LINK_MESSAGE_INVALID for anything else: another version, a truncated or tampered
 * message, one sealed to another key, or a payload that breaks a rule.
 */
export async function openProvisioningMessage(message: Uint8Array, recipient: KeyPair): Promise<ProvisioningPayload> {
  if (message.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES || message.length > MAX_PROVISIONING_MESSAGE_BYTES) {
    throw new LinkingError(LinkingErrorCode.MessageInvalid, "provisioning message has an impossible length");
  }
  if (message[0] !== VERSION) throw new LinkingError(LinkingErrorCode.MessageInvalid, "unsupported provisioning message version");

  let plaintext: Uint8Array;
  try {
    const header = message.subarray(0, HEADER_BYTES);
    const sealerKey = PublicKey.deserialize(header.subarray(1));
    const sharedSecret = await recipient.privateKey.agree(sealerKey);
    const key = deriveKey(sharedSecret);
    const nonce = message.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    try {
      plaintext = gcm(key, nonce, header).decrypt(message.subarray(HEADER_BYTES + NONCE_BYTES));
    } finally {
      sharedSecret.fill(0);
      key.fill(0);
    }
  } catch (cause) {
    throw new LinkingError(LinkingErrorCode.MessageInvalid, "provisioning message does not open with this key", { cause });
  }

  try {
    return decodeProvisioningPayload(plaintext);
  } catch (cause) {
    const reason = cause instanceof PayloadRuleError ? cause.message : "malformed payload";
    throw new LinkingError(LinkingErrorCode.MessageInvalid, `provisioning payload is invalid: ${reason}`, { cause });
  } finally {
    plaintext.fill(0);
  }
}
