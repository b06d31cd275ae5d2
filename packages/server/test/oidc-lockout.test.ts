// Requests the OpenID Connect provider refuses (a wrong client secret, a guessed authorization
// code, an authorization request without PKCE) are audited and count towards the address's
// lockout, like failed device authentications: a locked-out address is refused at the provider
// too, while other addresses go on being served.
import { startTestServer, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { forwardedFor, testSecurity } from "./support/abuse-clients.js";
import { authorizationRequest, oidcTestSettings, REDIRECT_URI, registerApp, type RegisteredApp } from "./support/oidc-browser.js";

describe("OpenID Connect refusals and the lockout", () => {
  let server: TestServer;
  afterEach(() => server?.close());

  const tokenRequest = (app: RegisteredApp, ip: string, secret: string, code = "guessed-code") =>
    fetch(`${server.url}/oidc/token`, {
      method: "POST",
      headers: {
        ...forwardedFor(ip).headers,
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: "v".repeat(43) }).toString(),
    });

  it("locks out an address after refused token and authorization requests, and no other", async () => {
    const security = testSecurity({ limits: { authFailuresPerIp: { points: 2, seconds: 300 } }, authLockoutSeconds: 120 });
    server = await startTestServer({ oidc: oidcTestSettings, security });
    const app = await registerApp(server.server);
    const attacker = "203.0.113.20";

    // A wrong client secret, then a guessed code with the right secret, then no PKCE: all refused.
    const wrongSecret = await tokenRequest(app, attacker, "not-the-secret");
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: "invalid_client" });
    const guessedCode = await tokenRequest(app, attacker, app.clientSecret!);
    expect(guessedCode.status).toBe(400);
    expect(await guessedCode.json()).toMatchObject({ error: "invalid_grant" });
    const request = new URL((await authorizationRequest(app)).url);
    request.searchParams.delete("code_challenge");
    request.searchParams.delete("code_challenge_method");
    const noPkce = await fetch(request, { headers: forwardedFor(attacker).headers, redirect: "manual" });
    expect(noPkce.status).toBeLessThan(500);
    expect(new URL(noPkce.headers.get("location") ?? request.href).searchParams.get("error") ?? (await noPkce.text())).toContain("invalid_request");

    // Locked out now: even the right secret is refused at the provider, with Retry-After.
    const locked = await tokenRequest(app, attacker, app.clientSecret!);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(60);
    const discovery = await fetch(`${server.url}/oidc/.well-known/openid-configuration`, { headers: forwardedFor(attacker).headers });
    expect(discovery.status).toBe(429);

    // Another address is served as before.
    expect((await tokenRequest(app, "198.51.100.20", "not-the-secret")).status).toBe(401);
    expect((await fetch(`${server.url}/oidc/.well-known/openid-configuration`, { headers: forwardedFor("198.51.100.20").headers })).status).toBe(200);

    expect(security.audit.named("oidc_refused").filter((e) => e.ip === attacker)).toEqual([
      expect.objectContaining({ endpoint: "grant", error: "invalid_client" }),
      expect.objectContaining({ endpoint: "grant", error: "invalid_grant" }),
      expect.objectContaining({ endpoint: "authorization", error: "invalid_request" }),
    ]);
    expect(security.audit.named("auth_lockout")).toEqual([expect.objectContaining({ ip: attacker, seconds: 120 })]);
  });

  it("counts nothing for a sign-in start that the provider accepts", async () => {
    const security = testSecurity({ limits: { authFailuresPerIp: { points: 1, seconds: 300 } } });
    server = await startTestServer({ oidc: oidcTestSettings, security });
    const app = await registerApp(server.server);
    for (let i = 0; i < 3; i++) {
      const start = await fetch((await authorizationRequest(app)).url, { headers: forwardedFor("203.0.113.21").headers, redirect: "manual" });
      expect(start.status).toBe(303);
    }
    expect(security.audit.named("oidc_refused")).toEqual([]);
  });
});
