import { ErrorCode } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  enrolTotp,
  link,
  linkToken,
  newAccount,
  register,
  startAuthServer,
  totpCode,
  verifiedSession,
  type AuthFixture,
} from "./support/auth-fixtures.js";

const STEP = 30_000;

interface Factors {
  totp: { enabled: boolean; confirmedAt?: number; recoveryCodesLeft: number };
}

describe("TOTP", () => {
  let fixture: AuthFixture;

  beforeEach(async () => {
    fixture = await startAuthServer();
  });
  afterEach(() => fixture.close());

  /** Moves the clock to the middle of a time step `steps` steps ahead, away from step edges. */
  const advanceSteps = (steps: number) => {
    const now = fixture.clock.now();
    fixture.clock.set(now - (now % STEP) + steps * STEP + STEP / 2);
  };

  it("enrols with a provisioning URI and becomes active once confirmed with a code", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const api = fixture.server.api.as(primary.credentials);
    const enrolment = await api.post<{ secret: string; uri: string; expiresAt: number }>("/v1/auth/totp");
    expect(enrolment.status).toBe(201);
    expect(enrolment.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(enrolment.body.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe(`/Parley:${username}`);
    expect(uri.searchParams.get("secret")).toBe(enrolment.body.secret);
    expect(uri.searchParams.get("issuer")).toBe("Parley");
    expect(enrolment.body.expiresAt).toBe(fixture.clock.now() + 300_000);
    expect((await api.get<Factors>("/v1/auth/factors")).body.totp).toEqual({ enabled: false, recoveryCodesLeft: 0 });

    const confirmed = await api.put<{ recoveryCodes: string[] }>("/v1/auth/totp", { code: totpCode(enrolment.body.secret, fixture.clock.now()) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    for (const code of confirmed.body.recoveryCodes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    expect((await api.get<Factors>("/v1/auth/factors")).body.totp).toEqual({ enabled: true, confirmedAt: fixture.clock.now(), recoveryCodesLeft: 10 });
  });

  it("refuses to confirm without a pending enrolment, after it expired, or with a wrong code", async () => {
    const { primary } = await newAccount(fixture.server);
    const api = fixture.server.api.as(primary.credentials);
    const none = await api.put<{ code: string }>("/v1/auth/totp", { code: "123456" });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe(ErrorCode.TotpNotPending);

    const { secret } = (await api.post<{ secret: string }>("/v1/auth/totp")).body;
    const right = totpCode(secret, fixture.clock.now());
    const wrong = await api.put<{ code: string }>("/v1/auth/totp", { code: right === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe(ErrorCode.SecondFactorIncorrect);

    fixture.clock.advance(300_000);
    const expired = await api.put<{ code: string }>("/v1/auth/totp", { code: totpCode(secret, fixture.clock.now()) });
    expect(expired.status).toBe(409);
    expect(expired.body.code).toBe(ErrorCode.TotpNotPending);
    expect((await api.get<Factors>("/v1/auth/factors")).body.totp.enabled).toBe(false);
  });

  it("is required to re-register: missing, wrong and replayed codes are refused, each failure counted", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const { secret } = await enrolTotp(fixture, primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);

    const challenge = await fixture.server.api.post<{ pinRequired: boolean; secondFactors: string[] }>("/v1/auth/challenges", { sessionId });
    expect(challenge.body).toMatchObject({ pinRequired: false, secondFactors: ["totp", "recoveryCode"] });
    const missing = await register(fixture.server, sessionId);
    expect(missing.status).toBe(423);
    expect(missing.body.details).toEqual({ pinRequired: false, secondFactors: ["totp", "recoveryCode"] });

    // The code that confirmed the enrolment is spent.
    const confirming = await register(fixture.server, sessionId, { totp: totpCode(secret, fixture.clock.now()) });
    expect(confirming.status).toBe(403);
    expect(confirming.body).toMatchObject({ code: ErrorCode.TotpCodeReused, details: { attemptsLeft: 9 } });

    advanceSteps(1);
    const current = totpCode(secret, fixture.clock.now());
    const wrong = await register(fixture.server, sessionId, { totp: current === "000000" ? "111111" : "000000" });
    expect(wrong.body).toMatchObject({ code: ErrorCode.SecondFactorIncorrect, details: { attemptsLeft: 8 } });
    expect((await fixture.server.api.as(primary.credentials).get("/v1/accounts/me")).status).toBe(200);

    const registered = await register(fixture.server, sessionId, { totp: current });
    expect(registered.status).toBe(200);
    const replayed = await register(fixture.server, await verifiedSession(fixture.server, username), { totp: current });
    expect(replayed.status).toBe(403);
    expect(replayed.body).toMatchObject({ code: ErrorCode.TotpCodeReused, details: { attemptsLeft: 7 } });
    expect(fixture.audit.named("factor_failed").map((e) => e.code)).toEqual([
      ErrorCode.TotpCodeReused,
      ErrorCode.SecondFactorIncorrect,
      ErrorCode.TotpCodeReused,
    ]);
  });

  it("accepts codes one step either side of now, not two", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const { secret } = await enrolTotp(fixture, primary.credentials);
    advanceSteps(20);
    const now = fixture.clock.now();
    const sessionId = await verifiedSession(fixture.server, username);
    for (const offset of [-2, 2]) {
      const response = await register(fixture.server, sessionId, { totp: totpCode(secret, now + offset * STEP) });
      expect(response.body.code, `offset ${offset}`).toBe(ErrorCode.SecondFactorIncorrect);
    }
    expect((await register(fixture.server, sessionId, { totp: totpCode(secret, now - STEP) })).status).toBe(200);
    const next = await verifiedSession(fixture.server, username);
    expect((await register(fixture.server, next, { totp: totpCode(secret, now + STEP) })).status).toBe(200);
  });

  it("is required to link a device", async () => {
    const { primary } = await newAccount(fixture.server);
    const { secret } = await enrolTotp(fixture, primary.credentials);
    advanceSteps(1);
    const token = await linkToken(fixture.server, primary.credentials);
    expect((await link(fixture.server, token, primary)).status).toBe(423);
    const code = totpCode(secret, fixture.clock.now());
    expect((await link(fixture.server, token, primary, { totp: code })).status).toBe(200);
    const second = await linkToken(fixture.server, primary.credentials);
    expect((await link(fixture.server, second, primary, { totp: code })).body.code).toBe(ErrorCode.TotpCodeReused);
  });

  it("accepts each recovery code once, however it is typed, and counts those left", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const { recoveryCodes } = await enrolTotp(fixture, primary.credentials);
    const [first = "", second = ""] = recoveryCodes;
    const registered = await register(fixture.server, await verifiedSession(fixture.server, username), { recoveryCode: first });
    expect(registered.status).toBe(200);
    // The factors survive re-registration, and the new primary sees and manages them.
    const api = fixture.server.api.as(registered.body);
    expect((await api.get<Factors>("/v1/auth/factors")).body.totp).toMatchObject({ enabled: true, recoveryCodesLeft: 9 });

    const reused = await register(fixture.server, await verifiedSession(fixture.server, username), { recoveryCode: first });
    expect(reused.body).toMatchObject({ code: ErrorCode.SecondFactorIncorrect, details: { attemptsLeft: 9 } });
    const typed = second.replace(/-/g, " ").toUpperCase();
    const again = await register(fixture.server, await verifiedSession(fixture.server, username), { recoveryCode: typed });
    expect(again.status).toBe(200);
    expect((await fixture.server.api.as(again.body).get<Factors>("/v1/auth/factors")).body.totp.recoveryCodesLeft).toBe(8);
  });

  it("keeps the confirmed secret until a new enrolment is confirmed, and goes with its recovery codes when removed", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const { secret, recoveryCodes } = await enrolTotp(fixture, primary.credentials);
    const api = fixture.server.api.as(primary.credentials);
    expect((await api.post("/v1/auth/totp")).status).toBe(201);
    advanceSteps(1);
    const sessionId = await verifiedSession(fixture.server, username);
    const registered = await register(fixture.server, sessionId, { totp: totpCode(secret, fixture.clock.now()) });
    expect(registered.status).toBe(200);

    const owner = fixture.server.api.as(registered.body);
    expect((await owner.delete("/v1/auth/totp")).status).toBe(204);
    expect((await owner.get<Factors>("/v1/auth/factors")).body.totp).toEqual({ enabled: false, recoveryCodesLeft: 0 });
    const free = await register(fixture.server, await verifiedSession(fixture.server, username), { recoveryCode: recoveryCodes[0] ?? "" });
    expect(free.status).toBe(200);
  });

  it("refuses every second factor after ten failures until the day is over", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const { secret } = await enrolTotp(fixture, primary.credentials);
    advanceSteps(1);
    const start = fixture.clock.now();
    const sessionId = await verifiedSession(fixture.server, username);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await register(fixture.server, sessionId, { recoveryCode: `bad-code-${attempt}` });
      expect(response.body.details?.["attemptsLeft"]).toBe(10 - attempt);
    }
    const refused = await register(fixture.server, sessionId, { totp: totpCode(secret, fixture.clock.now()) });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe(ErrorCode.FactorAttemptsExhausted);
    expect(Number(refused.headers.get("retry-after"))).toBe(24 * 3600);
    fixture.clock.set(start + 24 * 3600_000);
    const next = await verifiedSession(fixture.server, username);
    expect((await register(fixture.server, next, { totp: totpCode(secret, fixture.clock.now()) })).status).toBe(200);
  });
});
