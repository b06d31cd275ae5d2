// A protected account through the SDK: the primary sets a registration lock PIN and enrols an
// authenticator; re-registering the account then asks for both (again after a refused answer),
// linking a device asks for the second factor, and without a prompt nothing is registered.
import { FakeClock, startTestServer, type TestServer } from "@parley/testkit";
import { TOTP } from "otpauth";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiRequestError, MemoryKeyValueStore, ParleyClient, ParleyError, type FactorPrompt, type FactorRequirement } from "../src/index.js";
import { testOptions, uniqueUsername } from "./support/clients.js";

describe("SDK account security", () => {
  let server: TestServer;
  let clock: FakeClock;
  const clients: ParleyClient[] = [];

  beforeEach(async () => {
    clock = new FakeClock(Date.now());
    server = await startTestServer({ clock });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  const track = (c: ParleyClient) => (clients.push(c), c);

  async function register(username: string, getFactors?: FactorPrompt, store = new MemoryKeyValueStore()): Promise<ParleyClient> {
    return track(
      await ParleyClient.register({
        ...testOptions(store),
        serverUrl: server.url,
        identifier: { kind: "username", value: username },
        getCode: async () => server.codes.codeFor(username),
        ...(getFactors ? { getFactors } : {}),
      }),
    );
  }

  /** Enrols TOTP on `client`; returns a function giving the code of the server's current time step. */
  async function enrolTotp(client: ParleyClient): Promise<{ codeNow: () => string; recoveryCodes: readonly string[] }> {
    const enrolment = await client.security.beginTotpEnrolment();
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\//);
    const totp = new TOTP({ secret: enrolment.secret });
    const codeNow = () => totp.generate({ timestamp: clock.now() });
    const recoveryCodes = await client.security.confirmTotp(codeNow());
    return { codeNow, recoveryCodes };
  }

  it("asks for the PIN and an authenticator code to re-register, and again after a wrong PIN", async () => {
    const username = uniqueUsername("locked");
    const phone = await register(username);
    await phone.security.setPin("2468-13579");
    const { codeNow, recoveryCodes } = await enrolTotp(phone);
    expect(recoveryCodes).toHaveLength(10);
    clock.advance(30_000); // the enrolment's code is spent; the next step's is fresh

    const asked: Array<FactorRequirement & { retry?: { code: string; attemptsLeft?: number } }> = [];
    const again = await register(username, async (requirement) => {
      asked.push(requirement);
      return { pin: asked.length === 1 ? "0000" : "2468-13579", totp: codeNow() };
    });
    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatchObject({ pinRequired: true });
    expect(asked[0]!.secondFactors).toEqual(expect.arrayContaining(["totp", "recoveryCode"]));
    expect(asked[0]!.retry).toBeUndefined();
    expect(asked[1]!.retry).toMatchObject({ code: "PIN_INCORRECT", attemptsLeft: 9 });
    expect(again.accountId).toBe(phone.accountId);
    expect(again.deviceId).toBe(1);
    // The factors outlive the re-registration, and the new primary sees them.
    const factors = await again.security.factors();
    expect(factors.pin.enabled).toBe(true);
    expect(factors.totp).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
  });

  it("registers nothing for a protected account without a prompt", async () => {
    const username = uniqueUsername("noprompt");
    const phone = await register(username);
    await phone.security.setPin("1357");
    const store = new MemoryKeyValueStore();
    const failure = await register(username, undefined, store).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ParleyError);
    expect((failure as ParleyError).code).toBe("FACTORS_REQUIRED");
    expect(await ParleyClient.isRegistered(store)).toBe(false);
    // The old primary is still the account's device.
    expect((await phone.devices()).map((d) => d.id)).toEqual([1]);
  });

  it("links a device with a recovery code after the authenticator code was refused as reused", async () => {
    const username = uniqueUsername("linked");
    const phone = await register(username);
    await phone.connect();
    const { codeNow, recoveryCodes } = await enrolTotp(phone);
    const retries: Array<string | undefined> = [];
    const laptop = track(
      await ParleyClient.link({
        ...testOptions(),
        serverUrl: server.url,
        onLinkingCode: (code) => void phone.approveLink(code),
        // The enrolment spent this step's code: the first answer is refused, the recovery code is not.
        getFactors: async ({ retry, secondFactors, pinRequired }) => {
          expect(pinRequired).toBe(false);
          expect(secondFactors).toContain("recoveryCode");
          retries.push(retry?.code);
          return retry ? { recoveryCode: recoveryCodes[0]! } : { totp: codeNow() };
        },
      }),
    );
    expect(retries).toEqual([undefined, "TOTP_CODE_REUSED"]);
    expect(laptop.deviceId).toBe(2);
    expect((await phone.security.factors()).totp.recoveryCodesLeft).toBe(9);
  });

  it("changes factors from the primary only", async () => {
    const username = uniqueUsername("primary");
    const phone = await register(username);
    await phone.connect();
    const laptop = track(
      await ParleyClient.link({ ...testOptions(), serverUrl: server.url, onLinkingCode: (code) => void phone.approveLink(code) }),
    );
    await expect(laptop.security.setPin("9999")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(phone.security.setPin("12")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await phone.security.setPin("97531");
    // Any device lists them.
    expect((await laptop.security.factors()).pin.enabled).toBe(true);
    await phone.security.removePin();
    expect((await laptop.security.factors()).pin.enabled).toBe(false);
  });

  it("reports an unknown sign-in code with the server's code", async () => {
    const phone = await register(uniqueUsername("signin"));
    const failure = await phone.signIns.get("ABCD-EFGH").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiRequestError);
    expect((failure as ApiRequestError).code).toBe("SIGN_IN_NOT_FOUND");
    await expect(phone.signIns.get("ABC-12")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
