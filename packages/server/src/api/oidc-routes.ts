// The device side of "Sign in with Parley": a logged-in device reads, approves or denies the
// sign-in whose code the user typed in from the browser. Lookups and answers count toward the
// per-device oidcSignInsPerDevice rate limit (security/rate-limited-routes.ts).
import { schemas } from "@parley/protocol";
import Type from "typebox";
import { ApiError, ErrorCode } from "../domain/api-error.js";
import type { DeviceAuth } from "../domain/authenticator.js";
import type { SignInApprovals } from "../oidc/sign-in-approvals.js";
import { stringParam } from "./params.js";
import type { Route, RouteRequest } from "./route.js";

const CodeParams = Type.Object({ code: Type.String({ description: "The code the browser shows, e.g. ABCD-EFGH (any case, dash optional)." }) });

function authOf(request: RouteRequest): DeviceAuth {
  if (!request.auth) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
  return request.auth;
}

export function oidcRoutes(approvals: SignInApprovals): Route[] {
  const error = schemas.ErrorResponse;
  return [
    {
      method: "GET",
      url: "/v1/oidc/sign-ins/:code",
      summary: "What a pending sign-in to a third-party application asks for.",
      tag: "oidc",
      auth: "device",
      params: CodeParams,
      responses: { 200: schemas.OidcSignIn, 404: error },
      handle: async (r) => {
        authOf(r);
        return { status: 200, body: await approvals.lookup(stringParam(r.params, "code", 32)) };
      },
    },
    {
      method: "POST",
      url: "/v1/oidc/sign-ins/:code/approval",
      summary: "Approve a pending sign-in: the browser continues signed in to this device's account.",
      tag: "oidc",
      auth: "device",
      params: CodeParams,
      responses: { 204: null, 404: error },
      handle: async (r) => {
        await approvals.decide(authOf(r), stringParam(r.params, "code", 32), true);
        return { status: 204 };
      },
    },
    {
      method: "DELETE",
      url: "/v1/oidc/sign-ins/:code",
      summary: "Deny a pending sign-in: the application gets access_denied.",
      tag: "oidc",
      auth: "device",
      params: CodeParams,
      responses: { 204: null, 404: error },
      handle: async (r) => {
        await approvals.decide(authOf(r), stringParam(r.params, "code", 32), false);
        return { status: 204 };
      },
    },
  ];
}
