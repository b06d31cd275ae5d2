import type { Credentials } from "@parley/protocol";
import { ErrorCode } from "@parley/protocol";
import { SoftwareAuthenticator, type AssertionTampering } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { link, linkToken, newAccount, ORIGIN, register, RP_ID, startAuthServer, verifiedSession, type AuthFixture } from "./support/auth-fixtures.js";

interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  excludeCredentials?: { id: string }[];
}

interface Challenge {
  challengeId: string;
  pinRequired: boolean;
  secondFactors: string[];
  passkeyOptions?: { challenge: string; rpId?: string; allowCredentials?: { id: string }[] };
}

interface Factors {
  passkeys: { id: string; name: string; createdAt: number; lastUsedAt?: number }[];
}

describe("passkeys", () => {
  let fixture: AuthFixture;
  let authenticator: SoftwareAuthenticator;

  beforeEach(async () => {
    fixture = await startAuthServer();
    authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
  });
  afterEach(() => fixture.close());

  const addPasskey = async (primary: Credentials, name = "laptop", using = authenticator) => {
    const api = fixture.server.api.as(primary);
    const options = await api.post<CreationOptions>("/v1/auth/passkeys/options");
    expect(options.status).toBe(200);
    return api.post<{ id: string; name: string; createdAt: number; code?: string }>("/v1/auth/passkeys", { name, response: using.create(options.body) });
  };

  const challengeFor = async (body: { sessionId: string } | { linkToken: string }) => {
    const response = await fixture.server.api.post<Challenge>("/v1/auth/challenges", body);
    expect(response.status).toBe(200);
    return response.body;
  };

  /** An assertion for `challenge`, honest unless `tampering` says otherwise. */
  const passkeyFactor = (challenge: Challenge, tampering: AssertionTampering = {}) => {
    if (!challenge.passkeyOptions) throw new Error("no passkey options in the challenge");
    return { passkey: { challengeId: challenge.challengeId, response: authenticator.get(challenge.passkeyOptions, tampering) } };
  };

  it("adds a passkey from the creation options and lists it", async () => {
    const { primary } = await newAccount(fixture.server);
    const api = fixture.server.api.as(primary.credentials);
    const options = await api.post<CreationOptions>("/v1/auth/passkeys/options");
    expect(options.body.rp).toEqual({ id: RP_ID, name: "Parley test" });
    const added = await api.post<{ id: string; name: string; createdAt: number }>("/v1/auth/passkeys", {
      name: "laptop",
      response: authenticator.create(options.body),
    });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]+$/) as unknown, name: "laptop", createdAt: fixture.clock.now() });
    expect((await api.get<Factors>("/v1/auth/factors")).body.passkeys).toEqual([added.body]);
    const next = await api.post<CreationOptions>("/v1/auth/passkeys/options");
    expect(next.body.excludeCredentials?.map((c) => c.id)).toEqual([added.body.id]);
  });

  it("refuses a registration response that does not verify, and a challenge used or never issued", async () => {
    const { primary } = await newAccount(fixture.server);
    const api = fixture.server.api.as(primary.credentials);
    const elsewhere = new SoftwareAuthenticator({ origin: "https://evil.test" });
    const forged = await addPasskey(primary.credentials, "forged", elsewhere);
    expect(forged.status).toBe(422);
    expect(forged.body.code).toBe(ErrorCode.PasskeyRegistrationFailed);

    const options = await api.post<CreationOptions>("/v1/auth/passkeys/options");
    const response = authenticator.create(options.body);
    expect((await api.post("/v1/auth/passkeys", { name: "once", response })).status).toBe(201);
    const twice = await api.post<{ code: string }>("/v1/auth/passkeys", { name: "twice", response });
    expect(twice.status).toBe(404);
    expect(twice.body.code).toBe(ErrorCode.ChallengeNotFound);

    const unknown = authenticator.create({ challenge: Buffer.from("never issued").toString("base64url"), rp: { id: RP_ID } });
    expect((await api.post<{ code: string }>("/v1/auth/passkeys", { name: "unknown", response: unknown })).body.code).toBe(ErrorCode.ChallengeNotFound);
    expect((await api.get<Factors>("/v1/auth/factors")).body.passkeys.map((p) => p.name)).toEqual(["once"]);
  });

  it("is required to re-register, and an assertion answering the challenge lets the new primary in", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const added = await addPasskey(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);
    const challenge = await challengeFor({ sessionId });
    expect(challenge).toMatchObject({ pinRequired: false, secondFactors: ["passkey"] });
    expect(challenge.passkeyOptions?.challenge).toBe(challenge.challengeId);
    expect(challenge.passkeyOptions?.rpId).toBe(RP_ID);
    expect(challenge.passkeyOptions?.allowCredentials?.map((c) => c.id)).toEqual([added.body.id]);

    expect((await register(fixture.server, sessionId)).status).toBe(423);
    fixture.clock.advance(1000);
    const registered = await register(fixture.server, sessionId, passkeyFactor(challenge));
    expect(registered.status).toBe(200);
    const factors = await fixture.server.api.as(registered.body).get<Factors>("/v1/auth/factors");
    expect(factors.body.passkeys).toEqual([{ ...added.body, lastUsedAt: fixture.clock.now() }]);
  });

  it("refuses tampered assertions, counting each, and leaves the session usable", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await addPasskey(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);
    const tamperings: AssertionTampering[] = [
      { corruptSignature: true },
      { challenge: Buffer.from("another challenge").toString("base64url") },
      { origin: "https://evil.test" },
      { rpId: "evil.test" },
    ];
    let attemptsLeft = 10;
    for (const tampering of tamperings) {
      const response = await register(fixture.server, sessionId, passkeyFactor(await challengeFor({ sessionId }), tampering));
      attemptsLeft -= 1;
      expect(response.status, JSON.stringify(tampering)).toBe(403);
      expect(response.body).toMatchObject({ code: ErrorCode.SecondFactorIncorrect, details: { attemptsLeft } });
    }
    expect(fixture.audit.named("factor_failed")).toHaveLength(tamperings.length);
    const devices = await fixture.server.api.as(primary.credentials).get<{ devices: { id: number }[] }>("/v1/devices");
    expect(devices.body.devices.map((d) => d.id)).toEqual([1]);
    expect((await fixture.server.api.get<{ verified: boolean }>(`/v1/verification/sessions/${sessionId}`)).body.verified).toBe(true);
    expect((await register(fixture.server, sessionId, passkeyFactor(await challengeFor({ sessionId })))).status).toBe(200);
  });

  it("refuses an assertion whose signature counter went backwards, as from a cloned key", async () => {
    const { primary } = await newAccount(fixture.server);
    await addPasskey(primary.credentials);
    const token = await linkToken(fixture.server, primary.credentials);
    expect((await link(fixture.server, token, primary, passkeyFactor(await challengeFor({ linkToken: token })))).status).toBe(200);
    const next = await linkToken(fixture.server, primary.credentials);
    const cloned = await link(fixture.server, next, primary, passkeyFactor(await challengeFor({ linkToken: next }), { counter: 1 }));
    expect(cloned.body.code).toBe(ErrorCode.SecondFactorIncorrect);
  });

  it("uses a challenge once", async () => {
    const { primary } = await newAccount(fixture.server);
    await addPasskey(primary.credentials);
    const token = await linkToken(fixture.server, primary.credentials);
    const factors = passkeyFactor(await challengeFor({ linkToken: token }));
    expect((await link(fixture.server, token, primary, factors)).status).toBe(200);
    const second = await linkToken(fixture.server, primary.credentials);
    const replayed = await link(fixture.server, second, primary, factors);
    expect(replayed.status).toBe(404);
    expect(replayed.body).toMatchObject({ code: ErrorCode.ChallengeNotFound, details: { attemptsLeft: 9 } });
    // The refused link left its token usable.
    expect((await link(fixture.server, second, primary, passkeyFactor(await challengeFor({ linkToken: second })))).status).toBe(200);
  });

  it("refuses a challenge after it expired", async () => {
    const { primary, username } = await newAccount(fixture.server);
    await addPasskey(primary.credentials);
    const sessionId = await verifiedSession(fixture.server, username);
    const challenge = await challengeFor({ sessionId });
    fixture.clock.advance(300_000);
    const expired = await register(fixture.server, sessionId, passkeyFactor(challenge));
    expect(expired.status).toBe(404);
    expect(expired.body.code).toBe(ErrorCode.ChallengeNotFound);
  });

  it("removes a passkey, which then is no longer required, and 404s for an unknown one", async () => {
    const { primary, username } = await newAccount(fixture.server);
    const added = await addPasskey(primary.credentials);
    const api = fixture.server.api.as(primary.credentials);
    const unknown = await api.delete<{ code: string }>("/v1/auth/passkeys/bm90LWEta2V5");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(ErrorCode.PasskeyNotFound);
    expect((await api.delete(`/v1/auth/passkeys/${added.body.id}`)).status).toBe(204);
    expect((await api.get<Factors>("/v1/auth/factors")).body.passkeys).toEqual([]);
    expect((await register(fixture.server, await verifiedSession(fixture.server, username))).status).toBe(200);
  });
});
