import { ErrorCode } from "@parley/protocol";
import { linkDevice, SoftwareAuthenticator, uniqueUsername } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  enrolTotp,
  newAccount,
  ORIGIN,
  register,
  startAuthServer,
  totpCode,
  verifiedSession,
  type AuthFixture,
} from "./support/auth-fixtures.js";

const PIN = "2468-open";

describe("second factors together", () => {
  let fixture: AuthFixture;

  beforeEach(async () => {
    fixture = await startAuthServer();
  });
  afterEach(() => fixture.close());

  it("lists the factors to every device, and lets only the primary change them", async () => {
    const { primary } = await newAccount(fixture.server);
    const laptop = await linkDevice(fixture.server, primary);
    const owner = fixture.server.api.as(primary.credentials);
    const linked = fixture.server.api.as(laptop.credentials);
    expect((await owner.put("/v1/auth/pin", { pin: PIN })).status).toBe(204);
    const pinSetAt = fixture.clock.now();
    fixture.clock.advance(1000);
    await enrolTotp(fixture, primary.credentials);

    const listed = await linked.get("/v1/auth/factors");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      pin: { enabled: true, updatedAt: pinSetAt },
      totp: { enabled: true, confirmedAt: fixture.clock.now(), recoveryCodesLeft: 10 },
      passkeys: [],
    });
    const attempts = [
      linked.put("/v1/auth/pin", { pin: "1111" }),
      linked.delete("/v1/auth/pin"),
      linked.post("/v1/auth/totp"),
      linked.put("/v1/auth/totp", { code: "123456" }),
      linked.delete("/v1/auth/totp"),
      linked.post("/v1/auth/passkeys/options"),
      linked.delete("/v1/auth/passkeys/c29tZS1rZXk"),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect((response.body as { code: string }).code).toBe(ErrorCode.Forbidden);
    }
    expect((await linked.get("/v1/auth/factors")).body).toEqual(listed.body);
    expect((await fixture.server.api.get("/v1/auth/factors")).status).toBe(401);
  });

  it("needs the PIN and one second factor, checking the PIN first", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await fixture.server.api.as(primary.credentials).put("/v1/auth/pin", { pin: PIN });
    const { secret } = await enrolTotp(fixture, primary.credentials);
    fixture.clock.advance(30_000);
    const sessionId = await verifiedSession(fixture.server, username);
    const code = totpCode(secret, fixture.clock.now());

    const pinOnly = await register(fixture.server, sessionId, { pin: PIN });
    expect(pinOnly.status).toBe(423);
    expect(pinOnly.body.details).toEqual({ pinRequired: true, secondFactors: ["totp", "recoveryCode"] });
    expect((await register(fixture.server, sessionId, { totp: code })).status).toBe(423);

    // A wrong PIN stops the check before the TOTP code is looked at: the code stays unspent.
    const wrongPin = await register(fixture.server, sessionId, { pin: "0000", totp: code });
    expect(wrongPin.body).toMatchObject({ code: ErrorCode.PinIncorrect, details: { attemptsLeft: 9 } });
    const wrongCode = await register(fixture.server, sessionId, { pin: PIN, totp: code === "000000" ? "111111" : "000000" });
    expect(wrongCode.body).toMatchObject({ code: ErrorCode.SecondFactorIncorrect, details: { attemptsLeft: 9 } });

    const registered = await register(fixture.server, sessionId, { pin: PIN, totp: code });
    expect(registered.status).toBe(200);
    // The right PIN gave its attempt back: one wrong PIN counted, not three.
    const again = await register(fixture.server, await verifiedSession(fixture.server, username), { pin: "0000", totp: code });
    expect(again.body.details?.["attemptsLeft"]).toBe(8);
  });

  it("changes nothing about the account when a factor check fails", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const other = await newAccount(fixture.server);
    const owner = fixture.server.api.as(primary.credentials);
    await owner.put("/v1/auth/pin", { pin: PIN });
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const options = await owner.post<{ challenge: string; rp: { id?: string } }>("/v1/auth/passkeys/options");
    await owner.post("/v1/auth/passkeys", { name: "key", response: authenticator.create(options.body) });
    const bundlesPath = `/v1/keys/${primary.credentials.accountId}/*`;
    const before = {
      devices: (await owner.get("/v1/devices")).body,
      bundles: (await fixture.server.api.as(other.primary.credentials).get(bundlesPath)).body,
      factors: (await owner.get("/v1/auth/factors")).body,
    };

    const sessionId = await verifiedSession(fixture.server, username);
    const challenge = await fixture.server.api.post<{ challengeId: string; passkeyOptions: { challenge: string } }>("/v1/auth/challenges", { sessionId });
    const assertion = authenticator.get(challenge.body.passkeyOptions, { corruptSignature: true });
    const passkey = { challengeId: challenge.body.challengeId, response: assertion };
    const failures = [
      await register(fixture.server, sessionId, { pin: PIN }),
      // The wrong PIN stops the check before the challenge is spent, so it serves the next try.
      await register(fixture.server, sessionId, { pin: "not it", passkey }),
      await register(fixture.server, sessionId, { pin: PIN, passkey }),
    ];
    expect(failures.map((f) => f.body.code)).toEqual([ErrorCode.RegistrationLocked, ErrorCode.PinIncorrect, ErrorCode.SecondFactorIncorrect]);

    expect((await owner.get("/v1/devices")).body).toEqual(before.devices);
    expect((await fixture.server.api.as(other.primary.credentials).get(bundlesPath)).body).toEqual(before.bundles);
    expect((await owner.get("/v1/auth/factors")).body).toEqual(before.factors);
    const session = await fixture.server.api.get<{ verified: boolean }>(`/v1/verification/sessions/${sessionId}`);
    expect(session.body.verified).toBe(true);
  });

  it("answers a challenge request for a new identifier with nothing to present", async () => {
    const username = uniqueUsername();
    const sessionId = await verifiedSession(fixture.server, username);
    const challenge = await fixture.server.api.post<{ challengeId: string; pinRequired: boolean; secondFactors: string[]; passkeyOptions?: unknown }>(
      "/v1/auth/challenges",
      { sessionId },
    );
    expect(challenge.status).toBe(200);
    expect(challenge.body).toEqual({ challengeId: expect.any(String) as unknown, pinRequired: false, secondFactors: [] });
    expect((await register(fixture.server, sessionId)).status).toBe(200);
  });

  it("refuses a challenge request for an unknown or unverified session or an invalid linking token", async () => {
    const unknown = await fixture.server.api.post<{ code: string }>("/v1/auth/challenges", { sessionId: "no-such-session" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(ErrorCode.VerificationSessionNotFound);

    const started = await fixture.server.api.post<{ sessionId: string }>("/v1/verification/sessions", {
      identifier: { kind: "username", value: uniqueUsername() },
    });
    const unverified = await fixture.server.api.post<{ code: string }>("/v1/auth/challenges", { sessionId: started.body.sessionId });
    expect(unverified.status).toBe(403);
    expect(unverified.body.code).toBe(ErrorCode.VerificationRequired);

    const token = await fixture.server.api.post<{ code: string }>("/v1/auth/challenges", { linkToken: "not-a-token" });
    expect(token.status).toBe(403);
    expect(token.body.code).toBe(ErrorCode.LinkTokenInvalid);

    const both = await fixture.server.api.post<{ code: string }>("/v1/auth/challenges", { sessionId: "a", linkToken: "b" });
    expect(both.status).toBe(400);
  });
});
