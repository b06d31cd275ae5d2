import { ErrorCode } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerAccount, startTestServer, type TestServer } from "@parley/testkit";

describe("HTTP transport", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ maxBodyBytes: 4096 });
  });
  afterEach(() => server.close());

  it("answers health and readiness", async () => {
    expect((await server.api.get("/healthz")).status).toBe(200);
    expect((await server.api.get<{ status: string }>("/readyz")).body.status).toBe("ready");
  });

  it("answers an unknown route with ROUTE_NOT_FOUND", async () => {
    const response = await server.api.get<{ code: string }>("/v1/nowhere");
    expect(response.status).toBe(404);
    expect(response.body.code).toBe(ErrorCode.RouteNotFound);
  });

  it("answers a body over the limit with 413 BODY_TOO_LARGE", async () => {
    const response = await server.api.raw<{ code: string }>("POST", "/v1/verification/sessions", "x".repeat(5000), "application/json");
    expect(response.status).toBe(413);
    expect(response.body.code).toBe(ErrorCode.BodyTooLarge);
  });

  it("answers invalid JSON and a wrong content type with stable codes", async () => {
    const invalid = await server.api.raw<{ code: string }>("POST", "/v1/verification/sessions", "{", "application/json");
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe(ErrorCode.InvalidRequest);
    const text = await server.api.raw<{ code: string }>("POST", "/v1/verification/sessions", "hi", "text/plain");
    expect(text.status).toBe(415);
    expect(text.body.code).toBe(ErrorCode.UnsupportedMediaType);
  });

  it("refuses unknown fields in a body", async () => {
    const response = await server.api.post<{ code: string }>("/v1/verification/sessions", { identifier: { kind: "username", value: "abc" }, extra: 1 });
    expect(response.status).toBe(400);
  });

  it("answers 401 for missing or wrong credentials on device routes", async () => {
    const alice = await registerAccount(server);
    expect((await server.api.get("/v1/devices")).status).toBe(401);
    expect((await server.api.as({ ...alice.credentials, password: "nope" }).get("/v1/devices")).status).toBe(401);
    expect((await server.api.as({ ...alice.credentials, deviceId: 2 }).get("/v1/devices")).status).toBe(401);
  });
});
