// The two WebAuthn ceremonies through @simplewebauthn/server: adding a passkey (registration)
// and asserting one as a second factor (authentication). Passkeys here are a second factor, a
// proof of possession: user verification is preferred, not required. Attestation is "none": the
// server does not restrict authenticator models.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeClientDataJSON } from "@simplewebauthn/server/helpers";
import type { PasskeyRecord } from "../ports/factor-store.js";
import type { AuthSettings } from "./settings.js";

/** Passkeys per account: bounds the stored rows and the allowCredentials list. */
export const MAX_PASSKEYS = 10;

/** What a verified registration yields, to store. */
export interface NewCredential {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly transports: readonly string[];
}

export class PasskeyCeremonies {
  constructor(
    private readonly settings: AuthSettings["passkeys"],
    private readonly timeoutMs: number,
  ) {}

  creationOptions(input: {
    readonly challenge: Uint8Array;
    readonly accountId: string;
    readonly userName: string;
    readonly existing: readonly PasskeyRecord[];
  }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userName: input.userName,
      // The user handle is the account id, never the phone number or username.
      userID: new TextEncoder().encode(input.accountId),
      challenge: new Uint8Array(input.challenge),
      timeout: this.timeoutMs,
      attestationType: "none",
      excludeCredentials: input.existing.map((passkey) => ({ id: passkey.id, transports: [...passkey.transports] })),
      authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" },
    });
  }

  /** The challenge a response claims to answer (from its clientDataJSON); undefined when unreadable. */
  claimedChallenge(response: { readonly response: { readonly clientDataJSON: string } }): string | undefined {
    try {
      const challenge = decodeClientDataJSON(response.response.clientDataJSON).challenge;
      return typeof challenge === "string" && challenge.length > 0 && challenge.length <= 64 ? challenge : undefined;
    } catch {
      return undefined;
    }
  }

  /** The credential to store, or undefined when the response does not verify against `challenge`. */
  async verifyRegistration(response: RegistrationResponseJSON, challenge: string): Promise<NewCredential | undefined> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...this.settings.origins],
        expectedRPID: this.settings.rpId,
        requireUserVerification: false,
      });
      if (!result.verified) return undefined;
      const { credential } = result.registrationInfo;
      return {
        id: credential.id,
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? response.response.transports ?? [],
      };
    } catch {
      return undefined;
    }
  }

  requestOptions(challenge: Uint8Array, passkeys: readonly PasskeyRecord[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: passkeys.map((passkey) => ({ id: passkey.id, transports: [...passkey.transports] })),
      challenge: new Uint8Array(challenge),
      timeout: this.timeoutMs,
      userVerification: "preferred",
    });
  }

  /**
   * The authenticator's new signature counter, or undefined when the assertion does not verify:
   * wrong challenge, origin, RP id, signature, or a counter that went backwards (a cloned key).
   */
  async verifyAssertion(response: AuthenticationResponseJSON, challenge: string, passkey: PasskeyRecord): Promise<number | undefined> {
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...this.settings.origins],
        expectedRPID: this.settings.rpId,
        credential: { id: passkey.id, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: [...passkey.transports] },
        requireUserVerification: false,
      });
      return result.verified ? result.authenticationInfo.newCounter : undefined;
    } catch {
      return undefined;
    }
  }
}
