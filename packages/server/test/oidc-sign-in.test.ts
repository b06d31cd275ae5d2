// "Sign in with Parley" end to end over loopback: a third-party app (openid-client) discovers the
// provider, sends the user's browser through the login page, the user approves the code from a
// registered device, consents, and the app exchanges the code (PKCE) for tokens it verifies
// against the published keys.
import { startTestServer, uniqueUsername, type TestServer } from "@parley/testkit";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, codeOnPage, exchange, interactionPath, authorizationRequest, oidcTestSettings, registerApp, registerUser, signIn, type RegisteredApp } from "./support/oidc-browser.js";

describe("Sign in with Parley", () => {
  let server: TestServer;
  let app: RegisteredApp;
  let user: Awaited<ReturnType<typeof registerUser>>;
  let username: string;

  beforeAll(async () => {
    server = await startTestServer({ oidc: oidcTestSettings });
    app = await registerApp(server.server, { name: "Example <App>" });
    username = uniqueUsername("oidc");
    user = await registerUser(server, { kind: "username", value: username });
  });
  afterAll(() => server?.close());

  it("publishes discovery and JWKS documents for the code flow with PKCE only", async () => {
    const issuer = `${server.url}/oidc`;
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/me`,
      revocation_endpoint: `${issuer}/token/revocation`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["ES256"],
    });
    expect(discovery["scopes_supported"]).toEqual(expect.arrayContaining(["openid", "profile", "phone"]));
    expect(discovery).not.toHaveProperty("registration_endpoint");
    expect(discovery).not.toHaveProperty("device_authorization_endpoint");
    expect(discovery).not.toHaveProperty("end_session_endpoint");
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("signs a user in: ID token verified against the JWKS, pairwise subject, username at userinfo", async () => {
    const browser = new Browser(server.url);
    const flow = await signIn(server, browser, app, user);
    expect(flow.redirect.origin + flow.redirect.pathname).toBe("http://127.0.0.1:9/callback");
    const tokens = await exchange(app, flow);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oidc/jwks`));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: `${server.url}/oidc`, audience: app.clientId });
    expect(payload["nonce"]).toBe(flow.nonce);
    expect(payload.sub).not.toBe(user.device.credentials.accountId);
    expect(payload.sub).not.toContain(user.device.credentials.accountId);
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, payload.sub!);
    expect(info).toEqual({ sub: payload.sub, preferred_username: username.toLowerCase() });
  });

  it("keeps the subject stable for one client and different for another", async () => {
    const other = await registerApp(server.server, { name: "Other App" });
    const subjectAt = async (client: RegisteredApp) => (await exchange(client, await signIn(server, new Browser(server.url), client, user))).claims()!.sub;
    const first = await subjectAt(app);
    expect(await subjectAt(app)).toBe(first);
    const elsewhere = await subjectAt(other);
    expect(elsewhere).not.toBe(first);
  });

  it("gives clients registered with public subjects one subject per account, still not the account id", async () => {
    const a = await registerApp(server.server, { name: "Public A", subjectType: "public", public: true });
    const b = await registerApp(server.server, { name: "Public B", subjectType: "public" });
    const subjectAt = async (client: RegisteredApp) => (await exchange(client, await signIn(server, new Browser(server.url), client, user))).claims()!.sub;
    const atA = await subjectAt(a);
    expect(await subjectAt(b)).toBe(atA);
    expect(atA).not.toBe(user.device.credentials.accountId);
  });

  it("skips consent when the browser signs in again to a client it already allowed", async () => {
    const browser = new Browser(server.url);
    const first = await signIn(server, browser, app, user);
    await exchange(app, first);
    // Same browser: its session at the provider and the grant let it through without a code.
    const again = await authorizationRequest(app);
    const { url } = await browser.follow(again.url);
    const redirect = new URL(url);
    expect(redirect.origin).toBe("http://127.0.0.1:9");
    expect(redirect.searchParams.get("state")).toBe(again.state);
    expect((await exchange(app, { ...again, redirect })).claims()!.nonce).toBe(again.nonce);
  });

  it("revokes an access token: userinfo refuses it afterwards", async () => {
    const tokens = await exchange(app, await signIn(server, new Browser(server.url), app, user));
    const sub = tokens.claims()!.sub;
    await oidc.fetchUserInfo(app.config, tokens.access_token, sub);
    await oidc.tokenRevocation(app.config, tokens.access_token);
    const refused = await oidc.fetchUserInfo(app.config, tokens.access_token, sub).then(
      () => undefined,
      (error: unknown) => error as { status?: number; cause?: { parameters?: { error?: string } }[] },
    );
    expect(refused?.status).toBe(401);
    expect(refused?.cause?.[0]?.parameters?.error).toBe("invalid_token");
  });

  it("lets no other client revoke an app's token: the request is answered, the token keeps working", async () => {
    const tokens = await exchange(app, await signIn(server, new Browser(server.url), app, user));
    const sub = tokens.claims()!.sub;
    const stranger = await registerApp(server.server, { name: "Stranger" });
    await oidc.tokenRevocation(stranger.config, tokens.access_token);
    expect((await oidc.fetchUserInfo(app.config, tokens.access_token, sub)).sub).toBe(sub);
  });

  it("shows the client's name escaped and no account data on the pages", async () => {
    const browser = new Browser(server.url);
    const request = await authorizationRequest(app);
    const login = await browser.follow(request.url);
    const html = await login.response.text();
    expect(html).toContain("Example &#60;App&#62;");
    expect(html).not.toContain("<App>");
    expect(login.response.headers.get("content-security-policy")).toMatch(/default-src 'none'.*script-src 'nonce-[^']+'.*frame-ancestors 'none'/);
    await user.api.post(`/v1/oidc/sign-ins/${codeOnPage(html)}/approval`);
    const consent = await browser.follow(`${interactionPath(login.url)}/login`, { form: {} });
    const consentHtml = await consent.response.text();
    expect(consentHtml).toContain("Example &#60;App&#62; wants to");
    for (const page of [html, consentHtml]) {
      expect(page).not.toContain(user.device.credentials.accountId);
      expect(page).not.toContain(username.toLowerCase());
    }
  });
});

describe("the phone scope", () => {
  let server: TestServer;
  let app: RegisteredApp;
  const phone = "+14155552671";

  beforeAll(async () => {
    server = await startTestServer({ oidc: oidcTestSettings });
    app = await registerApp(server.server);
  });
  afterAll(() => server?.close());

  it("gives the phone number only when the user ticks the box on the consent screen", async () => {
    const user = await registerUser(server, { kind: "phone", value: phone });
    const withheld = await exchange(app, await signIn(server, new Browser(server.url), app, user, { scope: "openid profile phone" }));
    const sub = withheld.claims()!.sub;
    expect(await oidc.fetchUserInfo(app.config, withheld.access_token, sub)).toEqual({ sub });
    const shared = await exchange(app, await signIn(server, new Browser(server.url), app, user, { scope: "openid profile phone", sharePhone: true }));
    expect(await oidc.fetchUserInfo(app.config, shared.access_token, sub)).toEqual({ sub, phone_number: phone });
  });

  it("gives nothing identifying for the profile scope of a phone account", async () => {
    const user = await registerUser(server, { kind: "phone", value: "+4915112345678" });
    const tokens = await exchange(app, await signIn(server, new Browser(server.url), app, user, { scope: "openid profile" }));
    const sub = tokens.claims()!.sub;
    expect(await oidc.fetchUserInfo(app.config, tokens.access_token, sub)).toEqual({ sub });
    expect(JSON.stringify(tokens.claims())).not.toContain("15112345678");
  });
});

it("signs ID tokens with ES256 under a key id the JWKS publishes", async () => {
  const server = await startTestServer({ oidc: oidcTestSettings });
  try {
    const app = await registerApp(server.server);
    const user = await registerUser(server);
    const tokens = await exchange(app, await signIn(server, new Browser(server.url), app, user));
    const header = decodeProtectedHeader(tokens.id_token!);
    expect(header.alg).toBe("ES256");
    const jwks = (await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([header.kid]);
  } finally {
    await server.close();
  }
});
