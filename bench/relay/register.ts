// Registers benchmark accounts through the real HTTP API (verification session, code, register).
// Every account reuses one identity, signed prekey and Kyber last-resort key: the server only
// checks the signatures, and generating keys per account would cost the load generator time.
import { randomBytes } from "node:crypto";
import type { Credentials, Register } from "@parley/protocol";
import { makeDeviceKeys } from "@parley/testkit";

export interface BenchAccount extends Credentials {
  readonly registrationId: number;
}

type SharedKeys = Pick<Register, "identityKey" | "signedPreKey" | "pqLastResortPreKey">;

function sharedKeys(): SharedKeys {
  const { identityKey, signedPreKey, pqLastResortPreKey } = makeDeviceKeys();
  return { identityKey, signedPreKey, pqLastResortPreKey };
}

async function call<T>(baseUrl: string, method: string, path: string, body: unknown, expected: number): Promise<T> {
  const response = await fetch(baseUrl + path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Registers `count` accounts, `concurrency` at a time, with usernames `<prefix>_<n>_<random>`;
 * `codeFor` returns the verification code the server sent for a username.
 */
export async function registerAccounts(
  baseUrl: string,
  count: number,
  codeFor: (username: string) => Promise<string>,
  options: { readonly prefix: string; readonly concurrency: number },
): Promise<BenchAccount[]> {
  const keys = sharedKeys();
  const run = randomBytes(3).toString("hex");
  const accounts: BenchAccount[] = new Array<BenchAccount>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const username = `${options.prefix}_${i}_${run}`;
      const session = await call<{ sessionId: string }>(baseUrl, "POST", "/v1/verification/sessions", { identifier: { kind: "username", value: username } }, 201);
      const path = `/v1/verification/sessions/${session.sessionId}/code`;
      await call(baseUrl, "PUT", path, { code: await codeFor(username) }, 200);
      const registrationId = 1 + ((i * 7919) % 16380);
      const register: Register = { sessionId: session.sessionId, registrationId, ...keys };
      const credentials = await call<Credentials>(baseUrl, "POST", "/v1/registration", register, 200);
      accounts[i] = { ...credentials, registrationId };
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
  return accounts;
}
