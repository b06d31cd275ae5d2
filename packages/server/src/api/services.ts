import type { AccountService } from "../domain/account-service.js";
import type { Authenticator } from "../domain/authenticator.js";
import type { DeviceService } from "../domain/device-service.js";
import type { FactorCheck } from "../domain/factor-check.js";
import type { FactorService } from "../domain/factor-service.js";
import type { KeyService } from "../domain/key-service.js";
import type { MessageService } from "../domain/message-service.js";
import type { ProvisioningService } from "../domain/provisioning-service.js";
import type { RegistrationService } from "../domain/registration-service.js";
import type { DomainSettings } from "../domain/settings.js";
import type { SignInApprovals } from "../oidc/sign-in-approvals.js";

/** The domain services the routes call. */
export interface Services {
  readonly authenticator: Authenticator;
  readonly registration: RegistrationService;
  readonly accounts: AccountService;
  readonly devices: DeviceService;
  readonly keys: KeyService;
  readonly messages: MessageService;
  readonly provisioning: ProvisioningService;
  /** Listing and managing second factors. */
  readonly factors: FactorService;
  /** What registering or linking needs, and passkey challenges for it. */
  readonly factorCheck: FactorCheck;
  readonly settings: DomainSettings;
  /** Device approvals of "Sign in with Parley" (answers SIGN_IN_NOT_FOUND while the provider is off). */
  readonly oidcSignIns: SignInApprovals;
  /** Resolves when the server can serve requests (storage reachable, not draining). */
  readonly ready: () => Promise<boolean>;
}
