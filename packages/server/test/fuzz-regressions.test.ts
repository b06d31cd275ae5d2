// Requests that got an answer outside the documented ones, or cost far more than their size, each
// pinned by a small request that shows it.
import { connect } from "node:net";
import { ErrorCode, schemas } from "@parley/protocol";
import { registerAccount, startTestServer, type TestServer } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../src/domain/api-error.js";
import { BodyValidator } from "../src/api/validation.js";

/** Writes `text` on a fresh connection and returns what the server wrote until it closed. */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(Buffer.from(text, "latin1")));
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
