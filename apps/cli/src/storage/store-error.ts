// Failures of the client's local store with stable codes: the CLI branches on `code` (to ask for
// the passphrase again, or to say another process holds the store), never on the message.
import { ParleyError } from "@parley/sdk";

export const StoreErrorCode = {
  /** The passphrase does not open this store. Nothing was changed. */
  WrongPassphrase: "STORE_WRONG_PASSPHRASE",
  /** The store exists but its key-derivation file (`<path>.kdf.json`) is gone: it cannot be opened. */
  KdfMissing: "STORE_KDF_MISSING",
  /** The key-derivation file is not one this version reads. */
  KdfInvalid: "STORE_KDF_INVALID",
  /** Another connection (another process, or this one) has the store open. */
  Locked: "STORE_LOCKED",
  /** The store was closed; no further call succeeds. */
  Closed: "STORE_CLOSED",
} as const;

export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends ParleyError<StoreErrorCode> {
  override readonly name = "StoreError";
}
