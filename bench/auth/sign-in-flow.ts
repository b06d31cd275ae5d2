// One "Sign in with Parley" as a third-party app and its user would do it, over real HTTP: the
// authorization request with PKCE, the login page and its code, the approval from the user's
// device, consent, the code exchange and the ID token checked against the JWKS (openid-client).
import { basicAuthorization, type Credentials } from "@parley/protocol";
import { Browser } from "@parley/testkit";
import * as oidc from "openid-client";

export const redirectUri = "http://127.0.0.1:9/callback";

export async function discoverApp(serverUrl: string, clientId: string, clientSecret: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(`${serverUrl}/oidc`), clientId, undefined, oidc.ClientSecretBasic(clientSecret), { execute: [oidc.allowInsecureRequests] });
}

/** Runs one sign-in in a fresh browser; resolves with the ID token's subject. */
export async function signInOnce(serverUrl: string, app: oidc.Configuration, user: Credentials): Promise<string> {
  const browser = new Browser(serverUrl);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(app, {
    redirect_uri: redirectUri,
    scope: "openid profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const login = await browser.follow(url.href);
  const code = /<p class="code" id="code">([A-Z0-9]{4}-[A-Z0-9]{4})<\/p>/.exec(await login.response.text())?.[1];
  if (!code) throw new Error("no sign-in code on the login page");
  const approval = await fetch(`${serverUrl}/v1/oidc/sign-ins/${code}/approval`, {
    method: "POST",
    headers: { authorization: basicAuthorization(user.accountId, user.deviceId, user.password) },
  });
  if (approval.status !== 204) throw new Error(`approval: ${approval.status} ${await approval.text()}`);
  const page = new URL(login.url).pathname;
  let next = await browser.follow(`${page}/login`, { form: {} });
  if (next.url.startsWith(serverUrl)) {
    await next.response.text();
    next = await browser.follow(`${new URL(next.url).pathname}/consent`, { form: { decision: "allow" } });
  }
  const tokens = await oidc.authorizationCodeGrant(app, new URL(next.url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const subject = tokens.claims()?.sub;
  if (!subject) throw new Error("no subject in the ID token");
  return subject;
}
