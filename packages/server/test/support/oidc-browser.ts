// A third-party app and its user's browser for the OpenID Connect tests: openid-client plays the
// app; a small browser (fetch with manual redirects and a cookie jar honouring cookie paths)
// follows the provider's redirects, reads the pages and posts their forms as a person would.
import { Browser, registerAccount, type ApiClient, type RegisteredDevice, type TestServer } from "@parley/testkit";
import * as oidc from "openid-client";
import type { ParleyServer } from "../../src/index.js";

export { Browser };

export const REDIRECT_URI = "http://127.0.0.1:9/callback";

/** Provider settings for tests: the issuer follows the listening URL; keys are re-read on demand. */
export const oidcTestSettings = {
  issuer: "",
  signInTtlMs: 600_000,
  accessTokenTtlMs: 3_600_000,
  sessionTtlMs: 86_400_000,
  keyRetentionMs: 7 * 86_400_000,
  keyRefreshMs: 0,
};

/** A client registered through the server's admin operations. */
export interface RegisteredApp {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly config: oidc.Configuration;
}

export async function registerApp(server: ParleyServer, options: { name?: string; public?: boolean; subjectType?: "pairwise" | "public"; redirectUris?: string[] } = {}): Promise<RegisteredApp> {
  const admin = server.oidc!.admin;
  const { clientId, clientSecret } = await admin.addClient({
    name: options.name ?? "Example App",
    redirectUris: options.redirectUris ?? [REDIRECT_URI],
    public: options.public ?? false,
    subjectType: options.subjectType ?? "pairwise",
  });
  const auth = clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret);
  const config = await oidc.discovery(new URL(server.oidc!.issuer!), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
  return clientSecret === undefined ? { clientId, config } : { clientId, clientSecret, config };
}

/** One authorization request of `app`, with PKCE, state and nonce. */
export async function authorizationRequest(app: RegisteredApp, scope = "openid profile", extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  return { url: url.href, verifier, state, nonce };
}

/** The code on a login page. */
export function codeOnPage(html: string): string {
  const match = /<p class="code" id="code">([A-Z0-9]{4}-[A-Z0-9]{4})<\/p>/.exec(html);
  if (!match) throw new Error(`no sign-in code on the page:\n${html.slice(0, 500)}`);
  return match[1]!;
}

/** The interaction path of a page the browser is on. */
export function interactionPath(url: string): string {
  const path = new URL(url).pathname;
  if (!/^\/oidc\/interaction\/[^/]+$/.test(path)) throw new Error(`not an interaction page: ${url}`);
  return path;
}

/** A user: an account with a device, on the test server. */
export async function registerUser(server: TestServer, identifier?: { kind: "username" | "phone"; value: string }): Promise<{ device: RegisteredDevice; api: ApiClient }> {
  const device = identifier ? await registerAccount(server, identifier) : await registerAccount(server);
  return { device, api: server.api.as(device.credentials) };
}

/**
 * The whole sign-in in `browser`: authorization request, login page, approval from `user`'s device,
 * consent with `consent` (allow or deny, phone box ticked or not). Resolves with the redirect to the
 * app and the request's PKCE values.
 */
export async function signIn(
  server: TestServer,
  browser: Browser,
  app: RegisteredApp,
  user: { api: ApiClient },
  options: { scope?: string; consent?: "allow" | "deny"; sharePhone?: boolean } = {},
) {
  const request = await authorizationRequest(app, options.scope);
  const login = await browser.follow(request.url);
  const code = codeOnPage(await login.response.text());
  const approved = await user.api.post(`/v1/oidc/sign-ins/${code}/approval`);
  if (approved.status !== 204) throw new Error(`approval: ${approved.status} ${JSON.stringify(approved.body)}`);
  const page = interactionPath(login.url);
  let next = await browser.follow(`${page}/login`, { form: {} });
  if (next.url.startsWith(server.url)) {
    // The consent screen (skipped when the grant exists already).
    await next.response.text();
    const form: Record<string, string> = { decision: options.consent ?? "allow" };
    if (options.sharePhone) form["share_phone"] = "yes";
    next = await browser.follow(`${interactionPath(next.url)}/consent`, { form });
  }
  return { ...request, redirect: new URL(next.url) };
}

/** Exchanges the code of `redirect` as the app would. */
export function exchange(app: RegisteredApp, flow: { redirect: URL; verifier: string; state: string; nonce: string }) {
  return oidc.authorizationCodeGrant(app.config, flow.redirect, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
}
