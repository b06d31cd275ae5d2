// Signing keys in the store: a rotation makes a new key sign while tokens of the old one still
// verify, and other nodes on the same store pick the rotation up. Sign-ins shown by one node can
// be approved through another. The expiry purge removes what has expired.
import { createMemoryStores } from "@parley/server";
import { startTestServer, waitFor, type TestServer } from "@parley/testkit";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { authorizationRequest, Browser, codeOnPage, exchange, interactionPath, oidcTestSettings, registerApp, registerUser, signIn } from "./support/oidc-browser.js";

const jwksOf = async (server: TestServer) => (await (await fetch(`${server.url}/oidc/jwks`)).json()) as JSONWebKeySet;
const kidsOf = async (server: TestServer) => (await jwksOf(server)).keys.map((key) => key.kid);

describe("signing keys and several nodes", () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    // Later nodes first: the first one closes the shared stores.
    for (const server of servers.splice(0).reverse()) await server.close();
  });

  /** Nodes on one store, as in cluster mode (no single-node caches). */
  const nodes = async (count: number, keyRefreshMs = 0) => {
    const stores = createMemoryStores();
    for (let i = 0; i < count; i++) servers.push(await startTestServer({ stores, singleNode: false, oidc: { ...oidcTestSettings, keyRefreshMs } }));
    return servers;
  };

  it("rotates: new tokens carry the new kid, old tokens still verify by theirs", async () => {
    const [server] = await nodes(1);
    const app = await registerApp(server!.server);
    const user = await registerUser(server!);
    const before = await exchange(app, await signIn(server!, new Browser(server!.url), app, user));
    const oldKid = decodeProtectedHeader(before.id_token!).kid;

    const newKid = await server!.server.oidc!.admin.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    expect(await kidsOf(server!)).toEqual([newKid, oldKid]);

    const after = await exchange(app, await signIn(server!, new Browser(server!.url), app, user));
    expect(decodeProtectedHeader(after.id_token!).kid).toBe(newKid);
    const keys = createLocalJWKSet(await jwksOf(server!));
    for (const token of [before.id_token!, after.id_token!]) {
      await expect(jwtVerify(token, keys, { issuer: `${server!.url}/oidc`, audience: app.clientId })).resolves.toBeDefined();
    }
    const listed = await server!.server.oidc!.admin.listKeys();
    expect(listed.map((key) => ({ kid: key.kid, active: key.active, retired: key.retiredAt !== null }))).toEqual([
      { kid: newKid, active: true, retired: false },
      { kid: oldKid, active: false, retired: true },
    ]);
  });

  it("drops a retired key from the JWKS and the store once its grace period is over", async () => {
    const stores = createMemoryStores();
    let now = Date.now();
    const server = await startTestServer({ stores, clock: { now: () => now }, oidc: { ...oidcTestSettings, keyRetentionMs: 60_000 } });
    servers.push(server);
    const [oldKid] = await kidsOf(server);
    const newKid = await server.server.oidc!.admin.rotateKeys();
    now += 60_001;
    await server.server.oidc!.refreshKeys();
    expect(await kidsOf(server)).toEqual([newKid]);
    expect((await server.server.purgeExpired()).oidc).toBeGreaterThanOrEqual(1);
    expect((await server.server.oidc!.admin.listKeys()).map((key) => key.kid)).not.toContain(oldKid);
  });

  it("makes one first key for nodes starting on one store, and another node picks up a rotation", async () => {
    const [a, b] = await nodes(2, 50);
    expect(await kidsOf(b!)).toEqual(await kidsOf(a!));
    const newKid = await a!.server.oidc!.admin.rotateKeys();
    await waitFor(async () => (await kidsOf(b!))[0] === newKid, { timeoutMs: 10_000, what: "the second node serving the new key" });
    expect(await kidsOf(b!)).toEqual(await kidsOf(a!));
  });

  it("lets a device approve through one node a sign-in shown by another", async () => {
    const [a, b] = await nodes(2);
    const app = await registerApp(a!.server);
    const user = await registerUser(b!);
    const browser = new Browser(a!.url);
    const request = await authorizationRequest(app);
    const login = await browser.follow(request.url);
    const code = codeOnPage(await login.response.text());
    expect((await b!.api.as(user.device.credentials).post(`/v1/oidc/sign-ins/${code}/approval`)).status).toBe(204);
    const page = interactionPath(login.url);
    expect(await (await browser.request(`${page}/status`)).json()).toEqual({ state: "approved" });
    const consent = await browser.follow(`${page}/login`, { form: {} });
    const done = await browser.follow(`${interactionPath(consent.url)}/consent`, { form: { decision: "allow" } });
    const tokens = await exchange(app, { ...request, redirect: new URL(done.url) });
    expect(tokens.claims()!.aud).toBe(app.clientId);
  });

  it("purges expired sign-ins and artefacts", async () => {
    const stores = createMemoryStores();
    let now = Date.now();
    const server = await startTestServer({ stores, clock: { now: () => now }, oidc: oidcTestSettings });
    servers.push(server);
    const app = await registerApp(server.server);
    const user = await registerUser(server);
    const login = await new Browser(server.url).follow((await authorizationRequest(app)).url);
    const code = codeOnPage(await login.response.text());
    expect((await user.api.get(`/v1/oidc/sign-ins/${code}`)).status).toBe(200);
    now += oidcTestSettings.signInTtlMs + 1;
    // Expired rows are invisible at once, and the purge deletes them.
    expect((await user.api.get(`/v1/oidc/sign-ins/${code}`)).status).toBe(404);
    expect((await server.server.purgeExpired()).oidc).toBeGreaterThanOrEqual(2);
  });
});
