// "Sign in with Parley" with a real browser (Debian's chromium through playwright-core) as the
// user's: the login page's own script, under its own Content-Security-Policy, polls the status
// and moves on once the user answers on a device; the user clicks on the consent page; the app
// (openid-client) takes the code from the redirect and verifies the tokens.
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startTestServer, uniqueUsername, type TestServer } from "@parley/testkit";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REDIRECT_URI, authorizationRequest, exchange, oidcTestSettings, registerApp, registerUser, type RegisteredApp } from "./support/oidc-browser.js";

const chromiumPath = process.env["PARLEY_CHROMIUM"] ?? "/usr/bin/chromium";
const available = existsSync(chromiumPath);
if (!available && process.env["CI"] === "true") throw new Error(`the browser sign-in test needs chromium at ${chromiumPath}`);

/** How long the page may take to notice an answer: it polls every 2 s. */
const PAGE_NOTICES_MS = 15_000;

/** A page that records its script errors and its console errors (CSP violations among them). */
async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${String(error)}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return { page, errors };
}

/**
 * The browser's request to the app's redirect URI, sent on the provider's redirect. Playwright
 * cannot answer requests that follow a redirect (page.route sees only the first of a chain), so
 * nothing answers it: what counts is that the browser was sent there, and with what.
 */
async function redirectedToApp(page: Page, issuer: string, timeout: number): Promise<URL> {
  const request = await page.waitForRequest((sent) => sent.url().startsWith(`${REDIRECT_URI}?`), { timeout });
  expect(request.isNavigationRequest()).toBe(true);
  expect(request.redirectedFrom()?.url().startsWith(`${issuer}/auth/`)).toBe(true);
  return new URL(request.url());
}

describe.skipIf(!available)(`Sign in with Parley in a real browser${available ? "" : ` (skipped: no chromium at ${chromiumPath})`}`, { timeout: 60_000 }, () => {
  let server: TestServer;
  let app: RegisteredApp;
  let user: Awaited<ReturnType<typeof registerUser>>;
  let username: string;
  let browser: Browser;
  let context: BrowserContext;
  const issuer = () => `${server.url}/oidc`;

  beforeAll(async () => {
    server = await startTestServer({ oidc: oidcTestSettings });
    app = await registerApp(server.server, { name: "Example App" });
    username = uniqueUsername("browser");
    user = await registerUser(server, { kind: "username", value: username });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      // The app's redirect URI is on port 9, which chromium refuses to request unless allowed.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--explicitly-allowed-ports=${new URL(REDIRECT_URI).port}`,
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  // A fresh profile per test: no provider session or interaction cookie carries over.
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Opens the authorization URL and reads the code the login page shows. */
  async function loginPage(page: Page, url: string): Promise<string> {
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(await response?.headerValue("content-security-policy")).toMatch(/script-src 'nonce-[^']+'/);
    expect(new URL(page.url()).pathname).toMatch(/^\/oidc\/interaction\/[^/]+$/);
    const code = (await page.locator("#code").textContent()) ?? "";
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    return code;
  }

  it("continues to consent by itself once the device approves, and the app gets verified tokens on Allow", async () => {
    const { page, errors } = await openPage(context);
    const request = await authorizationRequest(app);
    const code = await loginPage(page, request.url);
    const loginUrl = page.url();

    const approved = await user.api.post(`/v1/oidc/sign-ins/${code}/approval`);
    expect(approved.status).toBe(204);
    // Nothing is clicked: only the page's polling script can bring the consent form up.
    const allow = page.locator('form[action$="/consent"] button[name="decision"][value="allow"]');
    await allow.waitFor({ timeout: PAGE_NOTICES_MS });
    expect(page.url()).not.toBe(loginUrl);
    await expect(page.locator("h1").textContent()).resolves.toBe("Example App wants to");

    const [redirect] = await Promise.all([redirectedToApp(page, issuer(), PAGE_NOTICES_MS), allow.click()]);
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get("state")).toBe(request.state);

    const tokens = await exchange(app, { ...request, redirect });
    const jwks = createRemoteJWKSet(new URL(`${issuer()}/jwks`));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: issuer(), audience: app.clientId });
    expect(payload["nonce"]).toBe(request.nonce);
    const accountId = user.device.credentials.accountId;
    expect(payload.sub).toBeTypeOf("string");
    expect(payload.sub).not.toBe(accountId);
    expect(payload.sub).not.toContain(accountId);
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, payload.sub!);
    expect(info).toEqual({ sub: payload.sub, preferred_username: username.toLowerCase() });
    // The pages' own scripts ran under their CSP, with nothing refused and nothing thrown.
    expect(errors).toEqual([]);
  });

  it("sends the browser back to the app with access_denied once the device denies the sign-in", async () => {
    const { page, errors } = await openPage(context);
    const request = await authorizationRequest(app);
    const code = await loginPage(page, request.url);

    const redirected = redirectedToApp(page, issuer(), PAGE_NOTICES_MS);
    const denied = await user.api.delete(`/v1/oidc/sign-ins/${code}`);
    expect(denied.status).toBe(204);
    // Nothing is clicked: the polling script notices the answer and the provider redirects.
    const redirect = await redirected;
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe(request.state);
    expect(redirect.searchParams.has("code")).toBe(false);
    expect(errors).toEqual([]);
  });
});
