// "Sign in with Parley" across real processes: an app registered with `parley oidc clients add`
// sends its user's browser to the running server's provider; the login page shows a code, which
// the user approves with `parley signin` from their terminal client; the app then exchanges the
// authorization code and verifies the ID token against the provider's JWKS.
import { Browser } from "@parley/testkit";
import * as oidc from "openid-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ParleyFixture } from "./support/parley-fixture.js";

const redirectUri = "http://127.0.0.1:9/callback";

describe("parley client: sign-in to a third-party app", { timeout: 90_000 }, () => {
  let parley: ParleyFixture;
  let alice: string;
  let app: oidc.Configuration;

  beforeEach(async () => {
    parley = await ParleyFixture.start();
    alice = await parley.register("alice", "alice");
    const added = await parley.ok("admin", ["oidc", "clients", "add", "--name", "Example <App>", "--redirect-uri", redirectUri, "--data-dir", parley.server.dataDir]);
    const clientId = /^client_id: (\S+)$/m.exec(added)![1]!;
    const clientSecret = /^client_secret: (\S+)$/m.exec(added)![1]!;
    app = await oidc.discovery(new URL(`${parley.server.url}/oidc`), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
  }, 60_000);

  afterEach(() => parley?.close());

  /** The app's authorization request, followed by the browser to the provider's login page. */
  async function startSignIn(browser: Browser) {
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
    expect(code).toBeDefined();
    return { verifier, state, nonce, page: new URL(login.url).pathname, code: code! };
  }

  it("signs Alice in after she approves the code with parley signin", async () => {
    const browser = new Browser(parley.server.url);
    const flow = await startSignIn(browser);
    expect(await (await browser.request(`${flow.page}/status`)).json()).toMatchObject({ state: "pending" });

    const approved = await parley.run("alice", ["signin", flow.code.toLowerCase(), "--yes"]);
    expect(approved.code).toBe(0);
    expect(approved.stderr).toContain("Example <App> asks to: sign you in, your username.");
    expect(approved.stdout).toBe("Sign-in to Example <App> approved; continue in the app.\n");

    const consent = await browser.follow(`${flow.page}/login`, { form: {} });
    expect(await consent.response.text()).toContain("Example &#60;App&#62; wants to");
    const back = await browser.follow(`${new URL(consent.url).pathname}/consent`, { form: { decision: "allow" } });
    expect(back.url.startsWith(redirectUri)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(back.url), {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(`${parley.server.url}/oidc`);
    expect(claims.sub).not.toBe(alice);
    const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, preferred_username: "alice" });
  });

  it("ends the sign-in with access_denied when Alice refuses it", async () => {
    const browser = new Browser(parley.server.url);
    const flow = await startSignIn(browser);
    const denied = await parley.run("alice", ["signin", flow.code, "--deny", "--json"]);
    expect(denied.code).toBe(0);
    expect(JSON.parse(denied.stdout)).toMatchObject({ approved: false });
    const back = await browser.follow(`${flow.page}/login`, { form: {} });
    expect(new URL(back.url).searchParams.get("error")).toBe("access_denied");
    // The code is spent: approving it now finds nothing.
    const late = await parley.run("alice", ["signin", flow.code, "--yes"]);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("[SIGN_IN_NOT_FOUND]");
  });
});
