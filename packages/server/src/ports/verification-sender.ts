import type { IdentifierKind } from "./account-store.js";

/**
 * Delivers a verification code to a phone number or username owner (SMS gateway, e-mail,
 * a log for development). A rejected promise means the code was not handed over; the caller
 * reports VERIFICATION_DELIVERY_FAILED and the session can be recreated.
 */
export interface VerificationSender {
  send(message: { readonly kind: IdentifierKind; readonly identifier: string; readonly code: string; readonly expiresAt: number }): Promise<void>;
}
