// The second-factor routes (/v1/auth/*): listing and managing the account's PIN, TOTP and
// passkeys, and the challenge a registration or link asks for first. See docs/protocol.md
// ("Second factors") and docs/adr/0013-second-factors.md.
import { schemas, type AddPasskey, type ConfirmTotp, type CreateFactorChallenge, type SetPin } from "@parley/protocol";
import Type from "typebox";
import { ApiError, ErrorCode } from "../domain/api-error.js";
import type { DeviceAuth } from "../domain/authenticator.js";
import { stringParam } from "./params.js";
import type { Route, RouteRequest } from "./route.js";
import type { Services } from "./services.js";

const error = schemas.ErrorResponse;
/** Base64url of a credential id of at most 1,023 bytes. */
const MAX_PASSKEY_ID_LENGTH = 1364;
const PasskeyParams = Type.Object({ passkeyId: Type.String({ pattern: "^[A-Za-z0-9_-]+$", maxLength: MAX_PASSKEY_ID_LENGTH }) });

function authOf(request: RouteRequest): DeviceAuth {
  if (!request.auth) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
  return request.auth;
}

export function authFactorRoutes(services: Services): Route[] {
  // Read when a handler runs: the route table is also built without services (OpenAPI checks).
  const factors = () => services.factors;
  return [
    {
      method: "GET",
      url: "/v1/auth/factors",
      summary: "The account's registration lock PIN, TOTP and passkeys (any device).",
      tag: "auth",
      auth: "device",
      responses: { 200: schemas.AuthFactors },
      handle: async (r) => ({ status: 200, body: await factors().list(authOf(r)) }),
    },
    {
      method: "PUT",
      url: "/v1/auth/pin",
      summary: "Set (or replace) the registration lock PIN (primary only).",
      tag: "auth",
      auth: "device",
      body: schemas.SetPin,
      responses: { 204: null, 403: error },
      handle: async (r) => {
        await factors().setPin(authOf(r), r.body as SetPin);
        return { status: 204 };
      },
    },
    {
      method: "DELETE",
      url: "/v1/auth/pin",
      summary: "Remove the registration lock PIN (primary only).",
      tag: "auth",
      auth: "device",
      responses: { 204: null, 403: error },
      handle: async (r) => {
        await factors().removePin(authOf(r));
        return { status: 204 };
      },
    },
    {
      method: "POST",
      url: "/v1/auth/totp",
      summary: "Start a TOTP enrolment: a new secret and its provisioning URI (primary only). A confirmed TOTP stays active until this one is confirmed.",
      tag: "auth",
      auth: "device",
      responses: { 201: schemas.TotpEnrolment, 403: error },
      handle: async (r) => ({ status: 201, body: await factors().startTotp(authOf(r)) }),
    },
    {
      method: "PUT",
      url: "/v1/auth/totp",
      summary: "Confirm the pending TOTP enrolment with a code; returns ten single-use recovery codes, shown once (primary only).",
      tag: "auth",
      auth: "device",
      body: schemas.ConfirmTotp,
      responses: { 200: schemas.RecoveryCodes, 403: error, 409: error },
      handle: async (r) => ({ status: 200, body: await factors().confirmTotp(authOf(r), r.body as ConfirmTotp) }),
    },
    {
      method: "DELETE",
      url: "/v1/auth/totp",
      summary: "Remove TOTP and its recovery codes (primary only).",
      tag: "auth",
      auth: "device",
      responses: { 204: null, 403: error },
      handle: async (r) => {
        await factors().removeTotp(authOf(r));
        return { status: 204 };
      },
    },
    {
      method: "POST",
      url: "/v1/auth/passkeys/options",
      summary: "WebAuthn creation options for adding a passkey (primary only); the challenge is single-use and short-lived.",
      tag: "auth",
      auth: "device",
      responses: { 200: schemas.PasskeyCreationOptions, 403: error, 409: error },
      handle: async (r) => ({ status: 200, body: await factors().passkeyOptions(authOf(r)) }),
    },
    {
      method: "POST",
      url: "/v1/auth/passkeys",
      summary: "Add a passkey with the authenticator's registration response (primary only).",
      tag: "auth",
      auth: "device",
      body: schemas.AddPasskey,
      responses: { 201: schemas.Passkey, 403: error, 404: error, 409: error, 422: error },
      handle: async (r) => ({ status: 201, body: await factors().addPasskey(authOf(r), r.body as AddPasskey) }),
    },
    {
      method: "DELETE",
      url: "/v1/auth/passkeys/:passkeyId",
      summary: "Remove a passkey (primary only).",
      tag: "auth",
      auth: "device",
      params: PasskeyParams,
      responses: { 204: null, 403: error, 404: error },
      handle: async (r) => {
        await factors().removePasskey(authOf(r), stringParam(r.params, "passkeyId", MAX_PASSKEY_ID_LENGTH));
        return { status: 204 };
      },
    },
    {
      method: "POST",
      url: "/v1/auth/challenges",
      summary:
        "What registering a verified session's identifier, or linking with a token, needs: PIN, second factors, and a passkey challenge when the account has passkeys. Spends neither.",
      tag: "auth",
      auth: "none",
      body: schemas.CreateFactorChallenge,
      responses: { 200: schemas.FactorChallenge, 403: error, 404: error },
      handle: async (r) => ({ status: 200, body: await services.factorCheck.challenge(r.body as CreateFactorChallenge) }),
    },
  ];
}
