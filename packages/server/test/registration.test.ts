import { CloseCode, ErrorCode } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDeviceKeys, registerAccount, startTestServer, TestSocket, uniqueUsername, type TestServer } from "@parley/testkit";

describe("registration", () => {
  let server: TestServer;
  let now: number;

  beforeEach(async () => {
    now = 1_800_000_000_000;
    server = await startTestServer({ clock: { now: () => now } });
  });
  afterEach(() => server.close());

  const startSession = async (value: string, kind: "phone" | "username" = "username") =>
    server.api.post<{ sessionId: string; attemptsLeft: number }>("/v1/verification/sessions", { identifier: { kind, value } });
  const register = (sessionId: string, keys = makeDeviceKeys()) =>
    server.api.post("/v1/registration", {
      sessionId,
      identityKey: keys.identityKey,
      registrationId: keys.registrationId,
      signedPreKey: keys.signedPreKey,
      pqLastResortPreKey: keys.pqLastResortPreKey,
    });

  it("registers a username and authenticates the new primary device", async () => {
    const device = await registerAccount(server, { kind: "username", value: "Alice_01" });
    const me = await server.api.as(device.credentials).get<{ identifier: { value: string }; deviceId: number }>("/v1/accounts/me");
    expect(me.status).toBe(200);
    expect(me.body.identifier.value).toBe("alice_01");
    expect(me.body.deviceId).toBe(1);
  });

  it("registers a valid phone number and refuses an invalid one", async () => {
    await registerAccount(server, { kind: "phone", value: "+41446681800" });
    const bad = await startSession("+1999123", "phone");
    expect(bad.status).toBe(422);
    expect((bad.body as unknown as { code: string }).code).toBe(ErrorCode.InvalidPhoneNumber);
    expect(server.codes.sent.some((s) => s.identifier === "+1999123")).toBe(false);
  });

  it("refuses a malformed username", async () => {
    const response = await startSession("1-no");
    expect(response.status).toBe(422);
    expect((response.body as unknown as { code: string }).code).toBe(ErrorCode.InvalidUsername);
  });

  it("counts wrong codes and locks the session after five", async () => {
    const name = uniqueUsername();
    const { sessionId } = (await startSession(name)).body;
    const code = server.codes.codeFor(name);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await server.api.put<{ code: string; details: { attemptsLeft: number } }>(`/v1/verification/sessions/${sessionId}/code`, { code: wrong });
      expect(response.status).toBe(403);
      expect(response.body.details.attemptsLeft).toBe(5 - attempt);
    }
    const locked = await server.api.put<{ code: string }>(`/v1/verification/sessions/${sessionId}/code`, { code });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe(ErrorCode.VerificationAttemptsExhausted);
  });

  it("refuses a code after ten minutes", async () => {
    const name = uniqueUsername();
    const { sessionId } = (await startSession(name)).body;
    now += 10 * 60_000 + 1;
    const response = await server.api.put<{ code: string }>(`/v1/verification/sessions/${sessionId}/code`, { code: server.codes.codeFor(name) });
    expect(response.status).toBe(410);
    expect(response.body.code).toBe(ErrorCode.VerificationCodeExpired);
  });

  it("requires a verified session, and spends it once", async () => {
    const name = uniqueUsername();
    const { sessionId } = (await startSession(name)).body;
    expect((await register(sessionId)).status).toBe(403);
    await server.api.put(`/v1/verification/sessions/${sessionId}/code`, { code: server.codes.codeFor(name) });
    expect((await register(sessionId)).status).toBe(200);
    expect((await register(sessionId)).status).toBe(404);
  });

  it("refuses keys with a bad signature without spending the session", async () => {
    const name = uniqueUsername();
    const { sessionId } = (await startSession(name)).body;
    await server.api.put(`/v1/verification/sessions/${sessionId}/code`, { code: server.codes.codeFor(name) });
    const keys = makeDeviceKeys();
    const forged = { ...keys, signedPreKey: { ...keys.signedPreKey, signature: makeDeviceKeys().signedPreKey.signature } };
    const response = await register(sessionId, forged);
    expect(response.status).toBe(422);
    expect((response.body as { code: string }).code).toBe(ErrorCode.InvalidSignature);
    expect((await register(sessionId, keys)).status).toBe(200);
  });

  it("reports a gateway failure as VERIFICATION_DELIVERY_FAILED", async () => {
    server.codes.failNext = true;
    const response = await startSession(uniqueUsername());
    expect(response.status).toBe(502);
  });

  it("re-registration keeps the account id, and removes the old devices and their credentials", async () => {
    const name = uniqueUsername();
    const first = await registerAccount(server, { kind: "username", value: name });
    const socket = await TestSocket.connect(server.url, first.credentials);
    const second = await registerAccount(server, { kind: "username", value: name });
    expect(second.credentials.accountId).toBe(first.credentials.accountId);
    expect((await socket.closed).code).toBe(CloseCode.DeviceRemoved);
    expect((await server.api.as(first.credentials).get("/v1/devices")).status).toBe(401);
    expect((await server.api.as(second.credentials).get("/v1/devices")).status).toBe(200);
  });
});
