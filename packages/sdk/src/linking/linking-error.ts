// Every failure of device linking and of signed device lists is a LinkingError with a stable
// code. Messages name the broken rule, never keys, tokens or account data.
import { ParleyError } from "../errors.js";

export const LinkingErrorCode = {
  /** A linking code that is not `parley-link:v1?address=…&key=…` with a valid address and key. */
  CodeInvalid: "LINK_CODE_INVALID",
  /** A payload to seal breaks a rule (an id, a range, a key pair whose halves do not match). */
  PayloadInvalid: "LINK_PAYLOAD_INVALID",
  /** A sealed payload would exceed the 65,536 bytes the server relays. */
  PayloadTooLarge: "LINK_PAYLOAD_TOO_LARGE",
  /** A provisioning message that does not open: tampered, truncated, for another key, or malformed inside. */
  MessageInvalid: "LINK_MESSAGE_INVALID",
  /** The device list's signature does not verify with the identity key. */
  DeviceListBadSignature: "DEVICE_LIST_BAD_SIGNATURE",
  /** A validly signed device list about another account than the one expected. */
  DeviceListWrongAccount: "DEVICE_LIST_WRONG_ACCOUNT",
  /** A device list statement that breaks the format (encoding, ranges, order), to sign or as verified. */
  DeviceListMalformed: "DEVICE_LIST_MALFORMED",
} as const;

export type LinkingErrorCode = (typeof LinkingErrorCode)[keyof typeof LinkingErrorCode];

export class LinkingError extends ParleyError<LinkingErrorCode> {
  override readonly name = "LinkingError";
}

export function isLinkingError(value: unknown, code?: LinkingErrorCode): value is LinkingError {
  return value instanceof LinkingError && (code === undefined || value.code === code);
}
