// Passkey ceremonies in a browser: the server's JSON options go through the browser's own
// WebAuthn JSON helpers (PublicKeyCredential.parse*OptionsFromJSON and toJSON, WebAuthn Level 3)
// to navigator.credentials and back, so a web app needs no WebAuthn library of its own. Outside a
// browser with WebAuthn these throw INVALID_ARGUMENT; other platforms pass their authenticator's
// JSON answers to AccountSecurity.addPasskey and FactorAnswers.passkey directly.
import type { AuthenticationResponseJson, PasskeyCreationOptions, PasskeyRequestOptions, RegistrationResponseJson } from "@parley/protocol";
import { ParleyError, SdkErrorCode } from "../errors.js";

interface JsonCredential {
  toJSON(): unknown;
}

interface WebAuthnJson {
  parseCreationOptionsFromJSON(options: unknown): unknown;
  parseRequestOptionsFromJSON(options: unknown): unknown;
}

function webAuthn(): { json: WebAuthnJson; credentials: { create(o: unknown): Promise<unknown>; get(o: unknown): Promise<unknown> } } {
  const scope = globalThis as unknown as { PublicKeyCredential?: Partial<WebAuthnJson>; navigator?: { credentials?: unknown } };
  const json = scope.PublicKeyCredential;
  const credentials = scope.navigator?.credentials as { create(o: unknown): Promise<unknown>; get(o: unknown): Promise<unknown> } | undefined;
  if (!json?.parseCreationOptionsFromJSON || !json.parseRequestOptionsFromJSON || !credentials) {
    throw new ParleyError(SdkErrorCode.InvalidArgument, "this platform has no WebAuthn with JSON options (a current browser is needed)");
  }
  return { json: json as WebAuthnJson, credentials };
}

/** Asks the browser's authenticator for a new passkey; pass the answer to AccountSecurity.addPasskey. */
export async function createBrowserPasskey(options: PasskeyCreationOptions): Promise<RegistrationResponseJson> {
  const { json, credentials } = webAuthn();
  const credential = (await credentials.create({ publicKey: json.parseCreationOptionsFromJSON(options) })) as JsonCredential | null;
  if (!credential) throw new ParleyError(SdkErrorCode.InvalidArgument, "no passkey was created (the user cancelled)");
  return credential.toJSON() as RegistrationResponseJson;
}

/** Asks the browser's authenticator to sign the server's challenge; the answer is FactorAnswers.passkey. */
export async function getBrowserPasskeyAssertion(options: PasskeyRequestOptions): Promise<AuthenticationResponseJson> {
  const { json, credentials } = webAuthn();
  const credential = (await credentials.get({ publicKey: json.parseRequestOptionsFromJSON(options) })) as JsonCredential | null;
  if (!credential) throw new ParleyError(SdkErrorCode.InvalidArgument, "no passkey answered (the user cancelled)");
  return credential.toJSON() as AuthenticationResponseJson;
}
