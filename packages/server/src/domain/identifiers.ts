import { normalizeUsername, type Identifier } from "@parley/protocol";
import type { IdentifierKind } from "../ports/account-store.js";
import { ApiError, ErrorCode } from "./api-error.js";
import { canonicalPhoneNumber } from "./phone-number.js";

/** Validates an identifier and returns its canonical form (E.164, lower-cased username). */
export function canonicalIdentifier(identifier: Identifier): { kind: IdentifierKind; value: string } {
  if (identifier.kind === "phone") {
    const value = canonicalPhoneNumber(identifier.value);
    if (!value) throw new ApiError(ErrorCode.InvalidPhoneNumber, "not a valid phone number in E.164 form");
    return { kind: "phone", value };
  }
  const value = normalizeUsername(identifier.value);
  if (!value) {
    throw new ApiError(ErrorCode.InvalidUsername, "usernames have 3 to 32 characters: a letter, then letters, digits or _");
  }
  return { kind: "username", value };
}
