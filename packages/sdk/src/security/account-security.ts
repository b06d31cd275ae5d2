// The account's protection, managed from one of its devices: the registration lock PIN, TOTP with
// recovery codes, and passkeys. Any device can list them; only the primary changes them (the
// server enforces it; the check here gives the clearer error without a round trip).
import type { ServerApi } from "../api/server-api.js";
import { ParleyError, SdkErrorCode } from "../errors.js";
import type { PasskeyCreationOptions, RegistrationResponseJson } from "@parley/protocol";
import type { AccountFactors, AddedPasskey, TotpEnrolment } from "./factor-types.js";

/** The shortest and longest PIN the server accepts. */
export const pinLength = { min: 4, max: 64 } as const;

export class AccountSecurity {
  constructor(
    private readonly api: ServerApi,
    private readonly deviceId: () => number,
  ) {}

  factors(): Promise<AccountFactors> {
    return this.api.authFactors();
  }

  /** Sets (or replaces) the registration lock PIN: re-registering the account then needs it. */
  async setPin(pin: string): Promise<void> {
    this.assertPrimary();
    if (pin.length < pinLength.min || pin.length > pinLength.max) {
      throw new ParleyError(SdkErrorCode.InvalidArgument, `a PIN has ${pinLength.min} to ${pinLength.max} characters`);
    }
    await this.api.setPin(pin);
  }

  async removePin(): Promise<void> {
    this.assertPrimary();
    await this.api.removePin();
  }

  /** Starts a TOTP enrolment; confirmTotp with a code from the authenticator app completes it. */
  async beginTotpEnrolment(): Promise<TotpEnrolment> {
    this.assertPrimary();
    return this.api.beginTotpEnrolment();
  }

  /** Completes the enrolment; returns the recovery codes, which the server never shows again. */
  async confirmTotp(code: string): Promise<readonly string[]> {
    this.assertPrimary();
    return (await this.api.confirmTotp(code.replace(/\s/g, ""))).recoveryCodes;
  }

  async removeTotp(): Promise<void> {
    this.assertPrimary();
    await this.api.removeTotp();
  }

  /** Options for navigator.credentials.create (PublicKeyCredentialCreationOptionsJSON). */
  async passkeyCreationOptions(): Promise<PasskeyCreationOptions> {
    this.assertPrimary();
    return this.api.passkeyCreationOptions();
  }

  /** Stores the authenticator's answer (RegistrationResponseJSON) to passkeyCreationOptions. */
  async addPasskey(name: string, response: RegistrationResponseJson): Promise<AddedPasskey> {
    this.assertPrimary();
    return this.api.addPasskey(name, response);
  }

  async removePasskey(passkeyId: string): Promise<void> {
    this.assertPrimary();
    await this.api.removePasskey(passkeyId);
  }

  private assertPrimary(): void {
    if (this.deviceId() !== 1) throw new ParleyError(SdkErrorCode.InvalidArgument, "only the primary device changes the account's factors");
  }
}
