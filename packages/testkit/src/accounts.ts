// Registration through the real API, as a client would do it.
import { randomBytes } from "node:crypto";
import type { Credentials, Identifier } from "@parley/protocol";
import { makeDeviceKeys, type DeviceKeys } from "./device-keys.js";
import type { TestServer } from "./test-server.js";

export interface RegisteredDevice {
  readonly credentials: Credentials;
  readonly keys: DeviceKeys;
}

/** A fresh unique username for a test. */
export function uniqueUsername(prefix = "user"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** What registration needs of a server: its API, and a way to read the codes it sends. */
export interface RegistrationTarget {
  readonly api: TestServer["api"];
  readonly codes: { codeFor(identifier: string): string | Promise<string> };
}

export async function registerAccount(server: RegistrationTarget, identifier: Identifier = { kind: "username", value: uniqueUsername() }, keys = makeDeviceKeys()): Promise<RegisteredDevice> {
  const session = await server.api.post<{ sessionId: string }>("/v1/verification/sessions", { identifier });
  if (session.status !== 201) throw new Error(`verification session: ${session.status} ${JSON.stringify(session.body)}`);
  const sessionId = session.body.sessionId;
  const verified = await server.api.put(`/v1/verification/sessions/${sessionId}/code`, { code: await server.codes.codeFor(identifier.kind === "username" ? identifier.value.toLowerCase() : identifier.value) });
  if (verified.status !== 200) throw new Error(`verification code: ${verified.status} ${JSON.stringify(verified.body)}`);
  const registered = await server.api.post<Credentials>("/v1/registration", {
    sessionId,
    identityKey: keys.identityKey,
    registrationId: keys.registrationId,
    signedPreKey: keys.signedPreKey,
    pqLastResortPreKey: keys.pqLastResortPreKey,
  });
  if (registered.status !== 200) throw new Error(`registration: ${registered.status} ${JSON.stringify(registered.body)}`);
  return { credentials: registered.body, keys };
}

/** Links a second device to the account of `primary`. */
export async function linkDevice(server: RegistrationTarget, primary: RegisteredDevice, registrationId?: number): Promise<RegisteredDevice> {
  const token = await server.api.as(primary.credentials).post<{ token: string }>("/v1/devices/link-tokens");
  if (token.status !== 201) throw new Error(`link token: ${token.status}`);
  const keys = makeDeviceKeys(primary.keys.identity, registrationId);
  const linked = await server.api.post<Credentials>("/v1/devices/link", {
    token: token.body.token,
    identityKey: keys.identityKey,
    registrationId: keys.registrationId,
    signedPreKey: keys.signedPreKey,
    pqLastResortPreKey: keys.pqLastResortPreKey,
  });
  if (linked.status !== 200) throw new Error(`link: ${linked.status} ${JSON.stringify(linked.body)}`);
  return { credentials: linked.body, keys };
}
