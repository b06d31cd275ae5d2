// Protecting an account with the terminal client: `parley security pin set` and `parley security
// totp enroll` on the primary; re-registering the username from another profile then needs the
// PIN and a second factor (`--pin-file` / PARLEY_PIN, `--totp` / `--recovery-code`), and a wrong
// one changes nothing.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@parley/testkit";
import { TOTP } from "otpauth";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientEnv, ParleyFixture } from "./support/parley-fixture.js";

describe("parley client: account security", { timeout: 90_000 }, () => {
  let parley: ParleyFixture;
  let alice: string;

  beforeEach(async () => {
    parley = await ParleyFixture.start();
    alice = await parley.register("alice", "alice");
  }, 60_000);

  afterEach(() => parley?.close());

  /** `parley register` of `username` on `profile`, answering the code prompt; returns the finished process's result. */
  async function reRegister(profile: string, username: string, extra: readonly string[], env = clientEnv()) {
    const known = parley.server.codes(username).length;
    const child = parley.spawn(profile, ["register", "--server", parley.server.url, "--username", username, "--json", ...extra], env);
    await waitFor(() => parley.server.codes(username).length > known, { timeoutMs: 15_000, what: `a verification code for ${username}` });
    child.write(`${parley.server.codes(username).at(-1)}\n`);
    child.endInput();
    return child.result();
  }

  /** Enrols an authenticator on Alice's phone; returns the recovery codes and the TOTP generator. */
  async function enrolTotp(): Promise<{ recoveryCodes: string[]; totp: TOTP }> {
    const enrol = parley.spawn("alice", ["security", "totp", "enroll", "--json"]);
    const [, secret] = await enrol.waitFor(/secret: ([A-Z2-7]+)/, { stream: "stderr" });
    const totp = new TOTP({ secret: secret! });
    enrol.write(`${totp.generate()}\n`);
    enrol.endInput();
    const result = await enrol.result();
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { totp: boolean; uri: string; recoveryCodes: string[] };
    expect(printed.uri).toMatch(/^otpauth:\/\/totp\//);
    return { recoveryCodes: printed.recoveryCodes, totp };
  }

  it("needs the PIN and a recovery code to re-register, and refuses a wrong PIN without changing anything", async () => {
    expect(await parley.ok("alice", ["security", "pin", "set"], { env: clientEnv({ PARLEY_PIN: "482916" }) })).toContain("PIN set");
    const { recoveryCodes } = await enrolTotp();
    expect(recoveryCodes).toHaveLength(10);
    const listed = JSON.parse(await parley.ok("alice", ["security", "--json"]));
    expect(listed).toMatchObject({ pin: { enabled: true }, totp: { enabled: true, recoveryCodesLeft: 10 }, passkeys: [] });

    // A wrong PIN from a file: refused, nothing registered, Alice's phone still the primary.
    const wrongPin = join(parley.dir.path, "wrong-pin");
    await writeFile(wrongPin, "111111\n");
    const refused = await reRegister("thief", "alice", ["--pin-file", wrongPin, "--recovery-code", recoveryCodes[0]!]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`"code":"FACTOR_INCORRECT"`);
    expect(JSON.parse(await parley.ok("alice", ["security", "--json"])).totp.recoveryCodesLeft).toBe(10);

    // The right PIN and a recovery code: Alice's account moves to the new profile.
    const moved = await reRegister("newphone", "alice", ["--recovery-code", recoveryCodes[0]!], clientEnv({ PARLEY_PIN: "482916" }));
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout).accountId).toBe(alice);
    const after = JSON.parse(await parley.ok("newphone", ["security", "--json"]));
    expect(after).toMatchObject({ pin: { enabled: true }, totp: { enabled: true, recoveryCodesLeft: 9 } });

    // The new primary can lift the protection.
    await parley.ok("newphone", ["security", "pin", "remove"]);
    await parley.ok("newphone", ["security", "totp", "remove"]);
    expect(JSON.parse(await parley.ok("newphone", ["security", "--json"]))).toMatchObject({ pin: { enabled: false }, totp: { enabled: false } });
  });

  // A server allows 3 verification codes per identifier in 10 minutes: one test, one server.
  it("stops with FACTOR_REQUIRED when the account's second factor is not given on a closed stdin", async () => {
    await parley.ok("alice", ["security", "pin", "set"], { env: clientEnv({ PARLEY_PIN: "482916" }) });
    await enrolTotp();
    const missing = await reRegister("thief", "alice", [], clientEnv({ PARLEY_PIN: "482916" }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`"code":"FACTOR_REQUIRED"`);
    expect(JSON.parse(await parley.ok("alice", ["devices", "--json"])).devices.map((d: { id: number }) => d.id)).toEqual([1]);
  });

  it("refuses a PIN outside the allowed length before asking the server", async () => {
    const result = await parley.run("alice", ["security", "pin", "set"], { env: clientEnv({ PARLEY_PIN: "12" }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[USAGE]");
  });
});
