// Each rate limit, exceeded: 429 RATE_LIMITED with Retry-After and the limit's name, over HTTP
// and over the WebSocket alike, while another client (another address through the trusted proxy,
// or another account) is still served. Every refusal is in the audit log.
import { ErrorCode, type ResponseFrame } from "@parley/protocol";
import type { RateLimitName, RateLimitWindow } from "@parley/server";
import { makeDeviceKeys, registerAccount, startTestServer, TestSocket, uniqueUsername, type RegisteredDevice, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { forwardedFor, httpFrom, registerFrom, testSecurity, type Reply } from "./support/abuse-clients.js";

const text = (s: string) => Buffer.from(s).toString("base64");

function expectRateLimited(reply: Reply, limit: RateLimitName): void {
  expect(reply.status).toBe(429);
  expect(reply.body?.code).toBe(ErrorCode.RateLimited);
  expect(reply.body?.details?.["limit"]).toBe(limit);
  expect(Number(reply.headers["retry-after"])).toBeGreaterThanOrEqual(1);
}

describe("rate limits", () => {
  let server: TestServer | undefined;
  const sockets: TestSocket[] = [];
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await server?.close();
    server = undefined;
  });

  const start = async (limits: Partial<Record<RateLimitName, RateLimitWindow>>, authLockoutSeconds?: number) => {
    const security = testSecurity({ limits, ...(authLockoutSeconds === undefined ? {} : { authLockoutSeconds }) });
    server = await startTestServer({ security });
    return { server, audit: security.audit };
  };
  const send = (s: TestServer, from: RegisteredDevice, to: RegisteredDevice, body = "hi") =>
    httpFrom(s.url, "PUT", `/v1/messages/${to.credentials.accountId}`, {
      timestamp: 1,
      messages: [{ deviceId: 1, registrationId: to.keys.registrationId, type: 1, content: text(body) }],
    }, { credentials: from.credentials });

  it("limits registrations per address", async () => {
    const { server: s, audit } = await start({ registrationsPerIp: { points: 2, seconds: 3600 } });
    const attacker = forwardedFor("203.0.113.9");
    for (let i = 0; i < 2; i++) expect(await registerFrom(s, attacker)).toHaveProperty("credentials");
    const refused = await registerFrom(s, attacker);
    expect(refused).toHaveProperty("refused");
    expectRateLimited((refused as { refused: Reply }).refused, "registrationsPerIp");
    expect(await registerFrom(s, forwardedFor("198.51.100.4"))).toHaveProperty("credentials");
    expect(audit.named("rate_limited")).toEqual([expect.objectContaining({ ip: "203.0.113.9", limit: "registrationsPerIp" })]);
  });

  it("limits verification code requests per address and per identifier", async () => {
    const { server: s } = await start({ verificationSessionsPerIp: { points: 2, seconds: 3600 }, verificationSessionsPerIdentifier: { points: 2, seconds: 600 } });
    const request = (username: string, ip: string) =>
      httpFrom(s.url, "POST", "/v1/verification/sessions", { identifier: { kind: "username", value: username } }, forwardedFor(ip));
    expect((await request(uniqueUsername(), "203.0.113.1")).status).toBe(201);
    expect((await request(uniqueUsername(), "203.0.113.1")).status).toBe(201);
    expectRateLimited(await request(uniqueUsername(), "203.0.113.1"), "verificationSessionsPerIp");
    expect((await request(uniqueUsername(), "203.0.113.2")).status).toBe(201);

    // One identifier asked for from ever new addresses; its canonical form counts (case folded).
    const target = uniqueUsername("victim");
    expect((await request(target, "198.51.100.1")).status).toBe(201);
    expect((await request(target.toUpperCase(), "198.51.100.2")).status).toBe(201);
    expectRateLimited(await request(target, "198.51.100.3"), "verificationSessionsPerIdentifier");
    expect((await request(uniqueUsername(), "198.51.100.3")).status).toBe(201);
  });

  it("limits verification code attempts per address", async () => {
    const { server: s, audit } = await start({ codeAttemptsPerIp: { points: 3, seconds: 3600 } });
    const guesser = forwardedFor("203.0.113.66");
    const open = async (from: ReturnType<typeof forwardedFor>) => {
      const username = uniqueUsername();
      const session = await httpFrom(s.url, "POST", "/v1/verification/sessions", { identifier: { kind: "username", value: username } }, from);
      return { username, sessionId: (session.body as unknown as { sessionId: string }).sessionId };
    };
    const mine = await open(guesser);
    const submit = (sessionId: string, code: string, from: ReturnType<typeof forwardedFor>) =>
      httpFrom(s.url, "PUT", `/v1/verification/sessions/${sessionId}/code`, { code }, from);
    const wrong = s.codes.codeFor(mine.username) === "000000" ? "000001" : "000000";
    for (let i = 0; i < 3; i++) expect((await submit(mine.sessionId, wrong, guesser)).body?.code).toBe(ErrorCode.VerificationCodeIncorrect);
    // Even the right code waits now: guessing across many sessions is bounded per address.
    expectRateLimited(await submit(mine.sessionId, s.codes.codeFor(mine.username), guesser), "codeAttemptsPerIp");
    const honest = forwardedFor("198.51.100.77");
    const theirs = await open(honest);
    expect((await submit(theirs.sessionId, s.codes.codeFor(theirs.username), honest)).status).toBe(200);
    expect(audit.named("code_failed")).toHaveLength(3);
    expect(audit.named("code_failed")[0]).toMatchObject({ ip: "203.0.113.66", attemptsLeft: 4 });
  });

  it("locks an address out after repeated failed authentications, over HTTP and for WebSocket upgrades", async () => {
    const { server: s, audit } = await start({ authFailuresPerIp: { points: 3, seconds: 60 } }, 120);
    const alice = await registerAccount(s);
    const wrong = { ...alice.credentials, password: "not-the-password" };
    const attacker = forwardedFor("203.0.113.5");
    // Three failures are tolerated; the fourth locks the address out.
    for (let i = 0; i < 4; i++) {
      expect((await httpFrom(s.url, "GET", "/v1/accounts/me", undefined, { ...attacker, credentials: wrong })).status).toBe(401);
    }
    // Locked out: refused before the credentials are looked at, even the right ones.
    const locked = await httpFrom(s.url, "GET", "/v1/accounts/me", undefined, { ...attacker, credentials: alice.credentials });
    expectRateLimited(locked, "authFailuresPerIp");
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(60);
    await expect(TestSocket.connect(s.url, alice.credentials, { headers: attacker.headers })).rejects.toThrow(/429/);
    // Alice, elsewhere, is unaffected.
    expect((await httpFrom(s.url, "GET", "/v1/accounts/me", undefined, { ...forwardedFor("198.51.100.8"), credentials: alice.credentials })).status).toBe(200);
    expect(audit.named("auth_failed")).toEqual(Array(4).fill(expect.objectContaining({ ip: "203.0.113.5", transport: "http", account: alice.credentials.accountId })));
    expect(audit.named("auth_lockout")).toEqual([expect.objectContaining({ ip: "203.0.113.5", seconds: 120 })]);
  });

  it("counts failed WebSocket authentications towards the same lockout", async () => {
    const { server: s, audit } = await start({ authFailuresPerIp: { points: 2, seconds: 60 } });
    const alice = await registerAccount(s);
    const wrong = { ...alice.credentials, password: "not-the-password" };
    const attacker = { headers: forwardedFor("203.0.113.6").headers };
    for (let i = 0; i < 3; i++) await expect(TestSocket.connect(s.url, wrong, attacker)).rejects.toThrow(/401/);
    await expect(TestSocket.connect(s.url, alice.credentials, attacker)).rejects.toThrow(/429/);
    sockets.push(await TestSocket.connect(s.url, alice.credentials, { headers: forwardedFor("198.51.100.9").headers }));
    expect(audit.named("auth_failed").map((e) => e.transport)).toEqual(["websocket", "websocket", "websocket"]);
  });

  it("limits prekey bundle fetches per pair of accounts and per fetching account", async () => {
    const { server: s } = await start({ preKeyFetchesPerPair: { points: 2, seconds: 600 }, preKeyFetchesPerAccount: { points: 4, seconds: 3600 } });
    const [drainer, bob, carol, dave, eve] = await Promise.all([1, 2, 3, 4, 5].map(() => registerAccount(s)));
    const fetchKeys = (by: RegisteredDevice, of: RegisteredDevice) =>
      httpFrom(s.url, "GET", `/v1/keys/${of.credentials.accountId}/*`, undefined, { credentials: by.credentials });
    expect((await fetchKeys(drainer!, bob!)).status).toBe(200);
    expect((await fetchKeys(drainer!, bob!)).status).toBe(200);
    expectRateLimited(await fetchKeys(drainer!, bob!), "preKeyFetchesPerPair");
    // Someone else may still start a session with Bob.
    expect((await fetchKeys(carol!, bob!)).status).toBe(200);
    expect((await fetchKeys(drainer!, carol!)).status).toBe(200);
    expectRateLimited(await fetchKeys(drainer!, dave!), "preKeyFetchesPerAccount");
    expect((await fetchKeys(eve!, dave!)).status).toBe(200);
  });

  it("limits sends per sender and recipient, over HTTP and over the WebSocket, not counting sync copies", async () => {
    const { server: s, audit } = await start({ sendsPerPair: { points: 2, seconds: 60 } });
    const [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => registerAccount(s)));
    const socket = await TestSocket.connect(s.url, alice!.credentials, { autoRespond: 200 });
    sockets.push(socket);
    const overSocket = (to: RegisteredDevice) =>
      socket.request("PUT", `/v1/messages/${to.credentials.accountId}`, {
        timestamp: 1,
        messages: [{ deviceId: 1, registrationId: to.keys.registrationId, type: 1, content: text("hi") }],
      });
    expect((await overSocket(bob!)).status).toBe(200);
    expect((await send(s, alice!, bob!)).status).toBe(200);
    const refused: ResponseFrame = await overSocket(bob!);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((JSON.parse(Buffer.from(refused.body).toString()) as { code: string; details: { limit: string } })).toMatchObject({
      code: ErrorCode.RateLimited,
      details: { limit: "sendsPerPair" },
    });
    expectRateLimited(await send(s, alice!, bob!), "sendsPerPair");
    expect((await overSocket(carol!)).status).toBe(200);
    expect((await send(s, carol!, bob!)).status).toBe(200);
    expect(audit.named("rate_limited")[0]).toMatchObject({ limit: "sendsPerPair", account: alice!.credentials.accountId });
  });

  it("limits the envelope bytes a sender sends", async () => {
    const { server: s } = await start({ bytesPerSender: { points: 1000, seconds: 60 } });
    const [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => registerAccount(s)));
    expect((await send(s, alice!, bob!, "x".repeat(600))).status).toBe(200);
    expectRateLimited(await send(s, alice!, carol!, "x".repeat(600)), "bytesPerSender");
    expect((await send(s, carol!, bob!, "x".repeat(600))).status).toBe(200);
  });

  it("limits device-linking tokens per account and linking attempts per address", async () => {
    const { server: s } = await start({ linkTokensPerAccount: { points: 2, seconds: 120 }, linkAttemptsPerIp: { points: 2, seconds: 600 } });
    const [alice, bob] = await Promise.all([1, 2].map(() => registerAccount(s)));
    const token = (who: RegisteredDevice) => httpFrom(s.url, "POST", "/v1/devices/link-tokens", undefined, { credentials: who.credentials });
    expect((await token(alice!)).status).toBe(201);
    expect((await token(alice!)).status).toBe(201);
    expectRateLimited(await token(alice!), "linkTokensPerAccount");
    expect((await token(bob!)).status).toBe(201);

    const keys = makeDeviceKeys();
    const link = (ip: string) =>
      httpFrom(s.url, "POST", "/v1/devices/link", { token: "guessed-token-guessed-token", ...keysOf(keys) }, forwardedFor(ip));
    expect((await link("203.0.113.7")).body?.code).toBe(ErrorCode.LinkTokenInvalid);
    expect((await link("203.0.113.7")).body?.code).toBe(ErrorCode.LinkTokenInvalid);
    expectRateLimited(await link("203.0.113.7"), "linkAttemptsPerIp");
    expect((await link("198.51.100.7")).body?.code).toBe(ErrorCode.LinkTokenInvalid);
  });

  it("limits second-factor challenges per address", async () => {
    const { server: s } = await start({ factorChallengesPerIp: { points: 2, seconds: 600 } });
    const challenge = (ip: string) => httpFrom(s.url, "POST", "/v1/auth/challenges", { linkToken: "guessed-token-guessed-token" }, forwardedFor(ip));
    expect((await challenge("203.0.113.8")).body?.code).toBe(ErrorCode.LinkTokenInvalid);
    expect((await challenge("203.0.113.8")).body?.code).toBe(ErrorCode.LinkTokenInvalid);
    expectRateLimited(await challenge("203.0.113.8"), "factorChallengesPerIp");
    expect((await challenge("198.51.100.8")).body?.code).toBe(ErrorCode.LinkTokenInvalid);
  });

  it("limits directory lookups per account and per address, over the WebSocket too", async () => {
    const { server: s } = await start({ lookupsPerAccount: { points: 2, seconds: 900 }, lookupsPerIp: { points: 4, seconds: 900 } });
    const [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => registerAccount(s)));
    const socket = await TestSocket.connect(s.url, alice!.credentials, { autoRespond: 200 });
    sockets.push(socket);
    const lookup = `/v1/directory/username/${uniqueUsername()}`;
    expect((await socket.request("GET", lookup)).status).toBe(404);
    expect((await socket.request("GET", lookup)).status).toBe(404);
    expect((await socket.request("GET", lookup)).status).toBe(429);
    // The per-address budget: Bob shares Alice's address (127.0.0.1) and gets one more lookup.
    expect((await httpFrom(s.url, "GET", lookup, undefined, { credentials: bob!.credentials })).status).toBe(404);
    expectRateLimited(await httpFrom(s.url, "GET", lookup, undefined, { credentials: bob!.credentials }), "lookupsPerIp");
    expect((await httpFrom(s.url, "GET", lookup, undefined, { ...forwardedFor("198.51.100.10"), credentials: carol!.credentials })).status).toBe(404);
  });

  it("limits HTTP requests per address before routing them", async () => {
    const { server: s } = await start({ httpRequestsPerIp: { points: 5, seconds: 60 } });
    for (let i = 0; i < 5; i++) expect((await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor("203.0.113.8"))).status).toBe(200);
    expectRateLimited(await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor("203.0.113.8")), "httpRequestsPerIp");
    expectRateLimited(await httpFrom(s.url, "GET", "/v1/nowhere", undefined, forwardedFor("203.0.113.8")), "httpRequestsPerIp");
    expect((await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor("198.51.100.11"))).status).toBe(200);
  });
});

function keysOf(keys: ReturnType<typeof makeDeviceKeys>) {
  return { identityKey: keys.identityKey, registrationId: keys.registrationId, signedPreKey: keys.signedPreKey, pqLastResortPreKey: keys.pqLastResortPreKey };
}
