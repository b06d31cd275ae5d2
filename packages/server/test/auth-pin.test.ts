import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { link, linkToken, newAccount, register, startAuthServer, verifiedSession, type AuthFixture } from "./support/auth-fixtures.js";

const DAY = 24 * 3600_000;
const PIN = "correct horse 4711";

describe("registration lock PIN", () => {
  let fixture: AuthFixture;

  beforeEach(async () => {
    fixture = await startAuthServer();
  });
  afterEach(() => fixture.close());

  const setPin = async (credentials: Parameters<AuthFixture["server"]["api"]["as"]>[0], pin = PIN) => {
    const response = await fixture.server.api.as(credentials).put("/v1/auth/pin", { pin });
    expect(response.status).toBe(204);
  };

  it("is needed, besides the verification code, to re-register the account", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);

    const challenge = await fixture.server.api.post<{ pinRequired: boolean; secondFactors: string[] }>("/v1/auth/challenges", { sessionId });
    expect(challenge.status).toBe(200);
    expect(challenge.body).toMatchObject({ pinRequired: true, secondFactors: [] });

    const locked = await register(fixture.server, sessionId);
    expect(locked.status).toBe(423);
    expect(locked.body).toMatchObject({ code: ErrorCode.RegistrationLocked, details: { pinRequired: true, secondFactors: [] } });
    // Nothing changed: the old primary still works and the session is still verified.
    expect((await fixture.server.api.as(primary.credentials).get("/v1/accounts/me")).status).toBe(200);
    expect((await fixture.server.api.get<{ verified: boolean }>(`/v1/verification/sessions/${sessionId}`)).body.verified).toBe(true);

    const registered = await register(fixture.server, sessionId, { pin: PIN });
    expect(registered.status).toBe(200);
    expect(registered.body.accountId).toBe(primary.credentials.accountId);
    expect((await fixture.server.api.as(primary.credentials).get("/v1/accounts/me")).status).toBe(401);
  });

  it("refuses a wrong PIN with the attempts left, leaving the session usable", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);
    const wrong = await register(fixture.server, sessionId, { pin: "1234" });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: ErrorCode.PinIncorrect, details: { attemptsLeft: 9 } });
    expect(fixture.audit.named("factor_failed")).toEqual([
      expect.objectContaining({ account: primary.credentials.accountId, code: ErrorCode.PinIncorrect, attemptsLeft: 9 }),
    ]);
    const devices = await fixture.server.api.as(primary.credentials).get<{ devices: { id: number; createdAt: number }[] }>("/v1/devices");
    expect(devices.body.devices.map((d) => d.id)).toEqual([1]);
    expect((await register(fixture.server, sessionId, { pin: PIN })).status).toBe(200);
  });

  it("refuses every PIN after ten wrong ones, the right one too, until the day is over", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);
    const firstFailureAt = fixture.clock.now();
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await register(fixture.server, sessionId, { pin: `wrong-${attempt}` });
      expect(response.status).toBe(403);
      expect(response.body.details?.["attemptsLeft"]).toBe(10 - attempt);
    }
    fixture.clock.advance(3600_000);
    // The first session expired meanwhile (codes live ten minutes): the lock is the account's.
    const refused = await register(fixture.server, await verifiedSession(fixture.server, username), { pin: PIN });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe(ErrorCode.FactorAttemptsExhausted);
    expect(Number(refused.headers.get("retry-after"))).toBe((firstFailureAt + DAY - fixture.clock.now()) / 1000);
    expect(fixture.audit.named("factor_lockout")).toHaveLength(1);
    expect((await fixture.server.api.as(primary.credentials).get("/v1/accounts/me")).status).toBe(200);

    fixture.clock.set(firstFailureAt + DAY);
    const next = await verifiedSession(fixture.server, username);
    expect((await register(fixture.server, next, { pin: PIN })).status).toBe(200);
  });

  it("does not count a right PIN against the allowance", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);
    for (let attempt = 1; attempt <= 9; attempt++) expect((await register(fixture.server, sessionId, { pin: "0000" })).status).toBe(403);
    const registered = await register(fixture.server, sessionId, { pin: PIN });
    expect(registered.status).toBe(200);
    const again = await verifiedSession(fixture.server, username);
    const last = await register(fixture.server, again, { pin: "0000" });
    expect(last.body).toMatchObject({ code: ErrorCode.PinIncorrect, details: { attemptsLeft: 0 } });
  });

  it("lapses once no device of the account was seen for seven days", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    fixture.clock.advance(7 * DAY - 60_000);
    const stillLocked = await register(fixture.server, await verifiedSession(fixture.server, username));
    expect(stillLocked.status).toBe(423);
    fixture.clock.advance(60_000);
    const sessionId = await verifiedSession(fixture.server, username);
    const challenge = await fixture.server.api.post<{ pinRequired: boolean }>("/v1/auth/challenges", { sessionId });
    expect(challenge.body.pinRequired).toBe(false);
    expect((await register(fixture.server, sessionId)).status).toBe(200);
  });

  it("is needed to link a device, and a refusal leaves the token usable", async () => {
    const { primary } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    const token = await linkToken(fixture.server, primary.credentials);
    const challenge = await fixture.server.api.post<{ pinRequired: boolean }>("/v1/auth/challenges", { linkToken: token });
    expect(challenge.body.pinRequired).toBe(true);
    expect((await link(fixture.server, token, primary)).status).toBe(423);
    expect((await link(fixture.server, token, primary, { pin: "9999" })).body.code).toBe(ErrorCode.PinIncorrect);
    const linked = await link(fixture.server, token, primary, { pin: PIN });
    expect(linked.status).toBe(200);
    expect(linked.body.deviceId).toBe(2);
  });

  it("is no longer needed once removed", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await setPin(primary.credentials);
    expect((await fixture.server.api.as(primary.credentials).delete("/v1/auth/pin")).status).toBe(204);
    expect((await register(fixture.server, await verifiedSession(fixture.server, username))).status).toBe(200);
  });

  it("refuses a PIN shorter than four characters", async () => {
    const { primary } = await newAccount(fixture.server);
    const response = await fixture.server.api.as(primary.credentials).put<{ code: string }>("/v1/auth/pin", { pin: "123" });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(ErrorCode.InvalidRequest);
  });

  it("is never stored in plain", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const secretPin = "plain-text-pin-7a1c9e";
    await setPin(primary.credentials, secretPin);
    expect((await register(fixture.server, await verifiedSession(fixture.server, username), { pin: secretPin })).status).toBe(200);
    const needle = Buffer.from(secretPin, "utf8");
    const files = (await readdir(fixture.dir.path)).filter((name) => name.startsWith("parley.db"));
    expect(files).toContain("parley.db");
    for (const name of files) {
      const content = await readFile(join(fixture.dir.path, name));
      expect(content.includes(needle), `${name} holds the PIN`).toBe(false);
    }
  });
});
