// Requests that got an answer outside the documented ones, or cost far more than their size, each
// pinned by a small request that shows it.
import { connect } from "node:net";
import { ErrorCode, schemas } from "@parley/protocol";
import { registerAccount, startTestServer, type TestServer } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../src/domain/api-error.js";
import { BodyValidator } from "../src/api/validation.js";
import { forwardedFor, httpFrom, testSecurity } from "./support/abuse-clients.js";
import { authorizationRequest, oidcTestSettings, registerApp } from "./support/oidc-browser.js";

/**
 * Writes `text` on a fresh connection and returns what the server wrote until it closed; the
 * connection stays open for writing unless `halfClose`.
 */
function raw(url: string, text: string, halfClose = true): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(text, "latin1");
    const socket = connect({ host: hostname, port: Number(port) }, () => (halfClose ? socket.end(bytes) : socket.write(bytes)));
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

function bodyOf(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as unknown;
}

describe("HTTP requests that never reach a route", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  it("answers a path that cannot be percent-decoded with 404 ROUTE_NOT_FOUND", async () => {
    const alice = await registerAccount(server);
    for (const path of ["/v1/verification/sessions/%zz", "/v1/directory/username/%E0%A4%A", "/v1/keys/%"]) {
      const response = await server.api.as(alice.credentials).get<{ code: string }>(path);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe(ErrorCode.RouteNotFound);
    }
  });

  it("answers bytes Node cannot parse as HTTP with 400 INVALID_REQUEST", async () => {
    for (const request of ["GE\u0006 /\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "GET /\u00ff HTTP/1.1\r\nHost: x\r\n\r\n"]) {
      const answer = await raw(server.url, request);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(bodyOf(answer)).toEqual({ code: ErrorCode.InvalidRequest, message: "malformed HTTP request" });
    }
  });

  it("serves an HTTP/1.1 request without a Host header", async () => {
    const answer = await raw(server.url, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyOf(answer)).toEqual({ status: "ok" });
  });
});

describe("refusals of requests that never reach a route", () => {
  it("refuses a denied or rate-limited client with 403 or 429 also for a path that cannot be percent-decoded", async () => {
    const server = await startTestServer({ security: testSecurity({ ipRules: { deny: "203.0.113.0/24" }, limits: { httpRequestsPerIp: { points: 1, seconds: 60 } } }) });
    try {
      const denied = await httpFrom(server.url, "GET", "/v1/keys/%zz", undefined, forwardedFor("203.0.113.9"));
      expect(denied.status).toBe(403);
      expect(denied.body?.code).toBe(ErrorCode.AddressDenied);
      const first = await httpFrom(server.url, "GET", "/v1/keys/%zz", undefined, forwardedFor("198.51.100.7"));
      expect(first.status).toBe(404);
      const limited = await httpFrom(server.url, "GET", "/v1/keys/%zz", undefined, forwardedFor("198.51.100.7"));
      expect(limited.status).toBe(429);
      expect(limited.body?.code).toBe(ErrorCode.RateLimited);
      expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close();
    }
  });

  it("takes an X-Forwarded-For entry that is not four decimal parts for garbage, so the proxy is the client", async () => {
    const server = await startTestServer({ security: testSecurity({ ipRules: { deny: "10.0.0.0/8, 8.0.0.0/8" } }) });
    try {
      for (const entry of ["0x0a.0.0.1", "10.1", "010.0.0.1", "167772161"]) {
        const reply = await httpFrom(server.url, "GET", "/healthz", undefined, forwardedFor(entry));
        expect(reply.status, entry).toBe(200);
      }
      expect((await httpFrom(server.url, "GET", "/healthz", undefined, forwardedFor("10.0.0.1"))).status).toBe(403);
      // IPv4-compatible, not IPv4-mapped: an IPv6 address outside 10.0.0.0/8.
      expect((await httpFrom(server.url, "GET", "/healthz", undefined, forwardedFor("::10.0.0.1"))).status).toBe(200);
      expect((await httpFrom(server.url, "GET", "/healthz", undefined, forwardedFor("::ffff:10.0.0.1"))).status).toBe(403);
    } finally {
      await server.close();
    }
  });
});

describe("validation of large invalid bodies", () => {
  it("reads no further into an oversized array than one item past its limit", () => {
    let reads = 0;
    const items = new Proxy(new Array<unknown>(1_000_000).fill(0), {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    let error: unknown;
    try {
      new BodyValidator().validate(schemas.UploadKeys, { preKeys: items });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).details).toEqual({ path: "/preKeys/0" });
    // The schema allows 1,000 keys; the error is reported from the first 1,001.
    expect(reads).toBeLessThanOrEqual(2 * 1001);
  });

  it("keeps the first undeclared key of an object with many, and reports it", () => {
    const body = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 0]));
    let error: unknown;
    try {
      new BodyValidator().validate(schemas.CreateVerificationSession, { identifier: { kind: "username", value: "abc" }, ...body });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).details).toEqual({ path: "/k0" });
  });

  it("answers a 2 MB body of a million array items with 400 and the first offending path", async () => {
    const server = await startTestServer();
    try {
      const alice = await registerAccount(server);
      const body = `{"preKeys":[${new Array(1_000_000).fill("0").join(",")}]}`;
      const response = await server.api.as(alice.credentials).raw<{ code: string; details: unknown }>("PUT", "/v1/keys", body, "application/json");
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: ErrorCode.InvalidRequest, details: { path: "/preKeys/0" } });
    } finally {
      await server.close();
    }
  });
});

describe("OpenID Connect interaction forms", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ oidc: oidcTestSettings });
  });
  afterEach(() => server.close());

  it("reads an oversized form to its end, so the connection answers the request after it", async () => {
    const start = await fetch((await authorizationRequest(await registerApp(server.server))).url, { redirect: "manual" });
    const cookie = start.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
    const page = new URL(start.headers.get("location")!, server.url).pathname;
    const form = `decision=${"x".repeat(300_000)}`;
    const post = `POST ${page}/consent HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`;
    const next = "GET /oidc/.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    // Without a half-close: the server closes the connection once it has answered both.
    const answer = await raw(server.url, post + next, false);
    expect([...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1])).toEqual(["400", "200"]);
    expect(answer).toContain("This form cannot be used now.");
  });
});
