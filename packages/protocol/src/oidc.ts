// The device side of "Sign in with Parley": a browser shows a short code, a logged-in device
// looks it up (these schemas) and approves or denies it. See docs/protocol.md.
import Type, { type Static } from "typebox";

/** What a pending sign-in asks for, shown on the approving device before it answers. */
export const OidcSignIn = Type.Object({
  clientId: Type.String({ description: "The third-party application's client id." }),
  clientName: Type.String({ description: "The application's registered name." }),
  scopes: Type.Array(Type.String(), { description: "The OpenID Connect scopes it requests, e.g. openid, profile, phone." }),
  expiresAt: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Milliseconds since the epoch." }),
});

export type OidcSignIn = Static<typeof OidcSignIn>;
