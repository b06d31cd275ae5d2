// "Sign in with Parley": a third-party app's login page shows a code; the user reads it on one of
// their devices, sees which app asks for what, and approves or denies. The app never sees Parley
// credentials; the server binds the sign-in to the approving device's account.
import type { ServerApi } from "../api/server-api.js";
import { ParleyError, SdkErrorCode } from "../errors.js";
import type { PendingSignIn } from "./factor-types.js";

/** The alphabet of sign-in codes (no 0/O, 1/I/L), shown as XXXX-XXXX. */
const codePattern = /^[A-Z2-9]{4}-?[A-Z2-9]{4}$/;

/** Upper case, spaces dropped; refuses what cannot be a sign-in code before asking the server. */
export function normalizeSignInCode(code: string): string {
  const compact = code.replace(/\s/g, "").toUpperCase();
  if (!codePattern.test(compact)) throw new ParleyError(SdkErrorCode.InvalidArgument, "a sign-in code is 8 letters or digits, as XXXX-XXXX");
  return compact.replace("-", "");
}

export class SignIns {
  constructor(private readonly api: ServerApi) {}

  /** Which app asks, for which scopes; SIGN_IN_NOT_FOUND when the code is unknown, used or expired. */
  async get(code: string): Promise<PendingSignIn> {
    return this.api.getSignIn(normalizeSignInCode(code));
  }

  async approve(code: string): Promise<void> {
    return this.api.approveSignIn(normalizeSignInCode(code));
  }

  async deny(code: string): Promise<void> {
    return this.api.denySignIn(normalizeSignInCode(code));
  }
}
