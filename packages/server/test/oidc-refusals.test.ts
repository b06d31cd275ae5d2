// What "Sign in with Parley" refuses: bad authorization requests, bad code exchanges, unknown or
// unanswered sign-in codes, denials. Each ends in a clear OAuth error (or SIGN_IN_NOT_FOUND on the
// device API) and leaves the stored state as it was.
import { defaultSecuritySettings, MemoryAuditLog } from "@parley/server";
import { startTestServer, type TestServer } from "@parley/testkit";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizationRequest, Browser, codeOnPage, exchange, interactionPath, oidcTestSettings, REDIRECT_URI, registerApp, registerUser, signIn, type RegisteredApp } from "./support/oidc-browser.js";

/** The OAuth error of a rejected openid-client call. */
const oauthError = (promise: Promise<unknown>) => promise.then(() => "no error", (error: { error?: string }) => error.error);

describe("refused sign-ins", () => {
  let server: TestServer;
  let app: RegisteredApp;
  let user: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    server = await startTestServer({ oidc: oidcTestSettings });
    app = await registerApp(server.server);
    user = await registerUser(server);
  });
  afterAll(() => server?.close());

  it("answers a redirect URI that is not registered with an error page, never redirecting there", async () => {
    const request = await authorizationRequest(app, "openid", { redirect_uri: "http://127.0.0.1:9/elsewhere" });
    const response = await new Browser(server.url).request(request.url);
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("invalid_redirect_uri");
  });

  it("answers an unknown client with an error page", async () => {
    const request = await authorizationRequest(app);
    const url = new URL(request.url);
    url.searchParams.set("client_id", "no-such-client");
    const response = await new Browser(server.url).request(url.href);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("invalid_client");
  });

  it("sends a request without PKCE back with invalid_request", async () => {
    const request = await authorizationRequest(app);
    const url = new URL(request.url);
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const response = await new Browser(server.url).request(url.href);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("refuses a wrong code_verifier without using up the code", async () => {
    const flow = await signIn(server, new Browser(server.url), app, user);
    expect(await oauthError(exchange(app, { ...flow, verifier: oidc.randomPKCECodeVerifier() }))).toBe("invalid_grant");
    // Nothing was consumed: the right verifier still gets the tokens.
    expect((await exchange(app, flow)).claims()!.nonce).toBe(flow.nonce);
  });

  it("refuses a code used twice, and revokes the tokens of its first use", async () => {
    const flow = await signIn(server, new Browser(server.url), app, user);
    const tokens = await exchange(app, flow);
    expect(await oauthError(exchange(app, flow))).toBe("invalid_grant");
    await expect(oidc.fetchUserInfo(app.config, tokens.access_token, tokens.claims()!.sub)).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a code presented by another client", async () => {
    const other = await registerApp(server.server, { name: "Other" });
    const flow = await signIn(server, new Browser(server.url), app, user);
    expect(await oauthError(exchange(other, flow))).toBe("invalid_grant");
    expect((await exchange(app, flow)).claims()!.nonce).toBe(flow.nonce);
  });

  it("ends with access_denied when the user denies consent", async () => {
    const flow = await signIn(server, new Browser(server.url), app, user, { consent: "deny" });
    expect(flow.redirect.searchParams.get("error")).toBe("access_denied");
    expect(flow.redirect.searchParams.get("state")).toBe(flow.state);
    expect(flow.redirect.searchParams.has("code")).toBe(false);
  });

  it("ends with access_denied when the device denies the sign-in", async () => {
    const browser = new Browser(server.url);
    const request = await authorizationRequest(app);
    const login = await browser.follow(request.url);
    const code = codeOnPage(await login.response.text());
    expect((await user.api.delete(`/v1/oidc/sign-ins/${code}`)).status).toBe(204);
    const page = interactionPath(login.url);
    expect(await (await browser.request(`${page}/status`)).json()).toEqual({ state: "denied" });
    const { url } = await browser.follow(`${page}/login`, { form: {} });
    expect(new URL(url).searchParams.get("error")).toBe("access_denied");
  });

  it("keeps a sign-in nobody approved pending: continuing leads back to the login page", async () => {
    const browser = new Browser(server.url);
    const login = await browser.follow((await authorizationRequest(app)).url);
    await login.response.text();
    const page = interactionPath(login.url);
    expect(await (await browser.request(`${page}/status`)).json()).toEqual({ state: "pending" });
    const early = await browser.request(`${page}/login`, { form: {} });
    expect(early.status).toBe(303);
    expect(early.headers.get("location")).toBe(page);
    expect(await (await browser.request(`${page}/status`)).json()).toEqual({ state: "pending" });
  });

  it("tells the status only to the browser holding the interaction cookie", async () => {
    const browser = new Browser(server.url);
    const login = await browser.follow((await authorizationRequest(app)).url);
    const page = interactionPath(login.url);
    const stranger = await new Browser(server.url).request(`${page}/status`);
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual({ state: "expired" });
  });

  it("refuses a login form posted from another origin", async () => {
    const browser = new Browser(server.url);
    const login = await browser.follow((await authorizationRequest(app)).url);
    const response = await fetch(`${server.url}${interactionPath(login.url)}/login`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: "",
      redirect: "manual",
    });
    expect(response.status).toBe(403);
  });
});

describe("the device side of sign-ins", () => {
  let server: TestServer;
  let app: RegisteredApp;

  beforeAll(async () => {
    server = await startTestServer({ oidc: oidcTestSettings });
    app = await registerApp(server.server, { name: "Device Test App" });
  });
  afterAll(() => server?.close());

  it("shows what a pending sign-in asks for, by the code in any case with or without the dash", async () => {
    const user = await registerUser(server);
    const browser = new Browser(server.url);
    const login = await browser.follow((await authorizationRequest(app, "openid profile phone")).url);
    const code = codeOnPage(await login.response.text());
    for (const typed of [code, code.toLowerCase(), code.replace("-", "")]) {
      const found = await user.api.get(`/v1/oidc/sign-ins/${typed}`);
      expect(found.status).toBe(200);
      expect(found.body).toEqual({ clientId: app.clientId, clientName: "Device Test App", scopes: ["openid", "profile", "phone"], expiresAt: expect.any(Number) });
      expect((found.body as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now());
    }
    expect((await user.api.post(`/v1/oidc/sign-ins/${code.toLowerCase().replace("-", "")}/approval`)).status).toBe(204);
    expect(await (await browser.request(`${interactionPath(login.url)}/status`)).json()).toEqual({ state: "approved" });
    // Answered: the code is used up, for looking up and for answering.
    for (const call of [user.api.get(`/v1/oidc/sign-ins/${code}`), user.api.post(`/v1/oidc/sign-ins/${code}/approval`), user.api.delete(`/v1/oidc/sign-ins/${code}`)]) {
      const response = await call;
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: "SIGN_IN_NOT_FOUND" });
    }
  });

  it("answers unknown and malformed codes with 404 SIGN_IN_NOT_FOUND, and needs device credentials", async () => {
    const user = await registerUser(server);
    for (const code of ["ABCD-EFGH", "0000-0000", "x"]) {
      const response = await user.api.get(`/v1/oidc/sign-ins/${code}`);
      expect({ code, status: response.status, body: response.body }).toMatchObject({ code, status: 404, body: { code: "SIGN_IN_NOT_FOUND" } });
    }
    expect((await server.api.get("/v1/oidc/sign-ins/ABCD-EFGH")).status).toBe(401);
  });

  it("signs the browser in to the account of the device that approved", async () => {
    const [alice, bob] = [await registerUser(server), await registerUser(server)];
    const aliceFlow = await signIn(server, new Browser(server.url), app, alice);
    const bobFlow = await signIn(server, new Browser(server.url), app, bob);
    const [aliceTokens, bobTokens] = [await exchange(app, aliceFlow), await exchange(app, bobFlow)];
    expect(aliceTokens.claims()!.sub).not.toBe(bobTokens.claims()!.sub);
  });
});

it("counts sign-in code lookups per device: guessing runs into 429 RATE_LIMITED", async () => {
  const security = { settings: { ...defaultSecuritySettings, rateLimits: { ...defaultSecuritySettings.rateLimits!, limits: { ...defaultSecuritySettings.rateLimits!.limits, oidcSignInsPerDevice: { points: 3, seconds: 600 } } } }, audit: new MemoryAuditLog() };
  const server = await startTestServer({ oidc: oidcTestSettings, security });
  try {
    const user = await registerUser(server);
    const statuses = [];
    for (const guess of ["AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD"]) statuses.push((await user.api.get(`/v1/oidc/sign-ins/${guess}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    // Another device has a budget of its own.
    const other = await registerUser(server);
    expect((await other.api.get("/v1/oidc/sign-ins/EEEE-EEEE")).status).toBe(404);
  } finally {
    await server.close();
  }
});
