// A real server on loopback over a SQLite file with a fake clock, and the registration and
// linking steps of the second-factor tests, each taking the factors to present.
import { join } from "node:path";
import type { Credentials, Factors } from "@parley/protocol";
import {
  FakeClock,
  makeDeviceKeys,
  registerAccount,
  startTestServer,
  tempDir,
  uniqueUsername,
  type ApiResponse,
  type DeviceKeys,
  type RegisteredDevice,
  type TempDir,
  type TestServer,
} from "@parley/testkit";
import { Secret, TOTP } from "otpauth";
import type { MemoryAuditLog } from "../../src/security/audit-log.js";
import { testSecurity } from "./abuse-clients.js";
import { openSqliteStores } from "../../src/adapters/sql/index.js";

export const ORIGIN = "https://parley.test";
export const RP_ID = "parley.test";

export interface AuthFixture {
  readonly server: TestServer;
  readonly clock: FakeClock;
  readonly dir: TempDir;
  readonly dbPath: string;
  readonly audit: MemoryAuditLog;
  close(): Promise<void>;
}

export interface ErrorBody {
  readonly code: string;
  readonly details?: Record<string, unknown>;
}

export async function startAuthServer(): Promise<AuthFixture> {
  const dir = await tempDir();
  const dbPath = join(dir.path, "parley.db");
  const clock = new FakeClock(1_800_000_000_000);
  // The abuse defences with every rate limit off: only the audit log is of interest here.
  const security = testSecurity();
  const audit = security.audit;
  const server = await startTestServer({
    stores: await openSqliteStores({ path: dbPath }),
    clock,
    security,
    settings: {
      // A low scrypt cost keeps the tests fast; the verifier records the cost it was made with.
      auth: { pinHashCost: 1024, passkeys: { rpId: RP_ID, rpName: "Parley test", origins: [ORIGIN] } },
    },
  });
  return {
    server,
    clock,
    dir,
    dbPath,
    audit,
    close: async () => {
      await server.close();
      await dir.cleanup();
    },
  };
}

/** A verification session for `username`, verified with its code; not yet spent. */
export async function verifiedSession(server: TestServer, username: string): Promise<string> {
  const session = await server.api.post<{ sessionId: string }>("/v1/verification/sessions", { identifier: { kind: "username", value: username } });
  if (session.status !== 201) throw new Error(`verification session: ${session.status}`);
  const { sessionId } = session.body;
  const verified = await server.api.put(`/v1/verification/sessions/${sessionId}/code`, { code: server.codes.codeFor(username) });
  if (verified.status !== 200) throw new Error(`verification code: ${verified.status}`);
  return sessionId;
}

function deviceBody(keys: DeviceKeys) {
  return {
    identityKey: keys.identityKey,
    registrationId: keys.registrationId,
    signedPreKey: keys.signedPreKey,
    pqLastResortPreKey: keys.pqLastResortPreKey,
  };
}

export function register(server: TestServer, sessionId: string, factors?: Factors, keys = makeDeviceKeys()): Promise<ApiResponse<Credentials & ErrorBody>> {
  return server.api.post("/v1/registration", { sessionId, ...deviceBody(keys), ...(factors ? { factors } : {}) });
}

export async function linkToken(server: TestServer, primary: Credentials): Promise<string> {
  const response = await server.api.as(primary).post<{ token: string }>("/v1/devices/link-tokens");
  if (response.status !== 201) throw new Error(`link token: ${response.status}`);
  return response.body.token;
}

export function link(server: TestServer, token: string, primary: RegisteredDevice, factors?: Factors): Promise<ApiResponse<Credentials & ErrorBody>> {
  return server.api.post("/v1/devices/link", { token, ...deviceBody(makeDeviceKeys(primary.keys.identity)), ...(factors ? { factors } : {}) });
}

/** A fresh account under a new username: its primary device, and the username. */
export async function newAccount(server: TestServer): Promise<{ primary: RegisteredDevice; username: string }> {
  const username = uniqueUsername();
  return { primary: await registerAccount(server, { kind: "username", value: username }), username };
}

/** The TOTP code of `base32Secret` at `timestamp`, as an authenticator app shows it. */
export function totpCode(base32Secret: string, timestamp: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(base32Secret), timestamp });
}

/** Enrols TOTP for the primary and confirms it; returns the secret and the recovery codes. */
export async function enrolTotp(fixture: AuthFixture, primary: Credentials): Promise<{ secret: string; recoveryCodes: string[] }> {
  const api = fixture.server.api.as(primary);
  const enrolment = await api.post<{ secret: string }>("/v1/auth/totp");
  if (enrolment.status !== 201) throw new Error(`totp enrolment: ${enrolment.status}`);
  const confirmed = await api.put<{ recoveryCodes: string[] }>("/v1/auth/totp", { code: totpCode(enrolment.body.secret, fixture.clock.now()) });
  if (confirmed.status !== 200) throw new Error(`totp confirmation: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { secret: enrolment.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
}
