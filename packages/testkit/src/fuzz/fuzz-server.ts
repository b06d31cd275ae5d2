// The server the network fuzz targets attack: a real server on a SQLite file, with a few accounts
// and pools of valid material (keys signed by the right identities, verified sessions, link
// tokens, signed device lists) so that generated requests reach the code behind validation, not
// only the validation. It serves the OpenID Connect provider under /oidc with one registered
// client. Errors the server logs are collected: a logged fault fails the run even when the answer
// looked fine.
import { join } from "node:path";
import { deviceListSignedMessage, type KyberPreKey, type OneTimePreKey, type SignedPreKey, type UploadDeviceList } from "@parley/protocol";
import { openSqliteStores, type SecurityOptions } from "@parley/server";
import { secureRandom, type KeyPair } from "@parley/signal";
import { pino } from "pino";
import { linkDevice, registerAccount, uniqueUsername, type RegisteredDevice } from "../accounts.js";
import { makeIdentity, makeKyberPreKey, makePreKeys, makeSignedPreKey } from "../device-keys.js";
import { checkStoreConsistency, type StoreConsistencyReport } from "../store-consistency.js";
import { tempDir, type TempDir } from "../temp-dir.js";
import { startTestServer, type TestServer } from "../test-server.js";
import { FuzzHttpClient } from "./fuzz-http-client.js";
import { FuzzCheckError } from "./fuzz-run.js";

/** Limits small enough that generated requests run into every one of them. */
export const fuzzLimits = {
  maxDevices: 5,
  maxKeysPerUpload: 20,
  maxStoredKeys: 60,
  maxEnvelopeBytes: 4096,
  maxEnvelopesPerRequest: 8,
  maxBodyBytes: 256 * 1024,
  maxFrameBytes: 256 * 1024,
} as const;

/** Valid keys of one identity, for uploads, registrations and links that should succeed. */
export interface KeyPool {
  readonly identity: KeyPair;
  readonly identityKey: string;
  readonly signedPreKeys: readonly SignedPreKey[];
  readonly kyberPreKeys: readonly KyberPreKey[];
  readonly preKeys: readonly OneTimePreKey[];
  /** Device lists this identity signed, at several versions. */
  readonly deviceLists: readonly UploadDeviceList[];
}

/** The client registered with the provider (confidential: it authenticates with its secret). */
export interface FuzzOidcClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** The provider's issuer: `<server URL>/oidc`. */
  readonly issuer: string;
}

/** Provider settings: long enough lifetimes that nothing a run holds expires during it. */
const oidcSettings = {
  issuer: "",
  signInTtlMs: 3_600_000,
  accessTokenTtlMs: 3_600_000,
  sessionTtlMs: 86_400_000,
  keyRetentionMs: 7 * 86_400_000,
  keyRefreshMs: 0,
} as const;

export interface PooledSession {
  readonly sessionId: string;
  readonly code: string;
  readonly verified: boolean;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function keyPool(identity: KeyPair = makeIdentity()): KeyPool {
  const versions = [1, 2, 3, 7, 1000, Number.MAX_SAFE_INTEGER];
  return {
    identity,
    identityKey: b64(identity.publicKey.serialize()),
    signedPreKeys: [makeSignedPreKey(identity, 1), makeSignedPreKey(identity, 0xffffff)],
    kyberPreKeys: [1, 2, 3, 0xffffff].map((id) => makeKyberPreKey(identity, id)),
    preKeys: makePreKeys(1, 30),
    deviceLists: versions.map((version) => {
      const statement = secureRandom(40 + version % 50);
      return { version, statement: b64(statement), signature: b64(identity.privateKey.sign(deviceListSignedMessage(statement), secureRandom)) };
    }),
  };
}

export interface FuzzServerOptions {
  /**
   * Abuse defences to serve with. The fixtures are seeded before they go up (on the same store,
   * by a server without them): seeding from one address would run into tight limits.
   */
  readonly security?: SecurityOptions;
}

export class FuzzServer {
  private constructor(
    readonly test: TestServer,
    private readonly dir: TempDir,
    readonly path: string,
    readonly http: FuzzHttpClient,
    readonly alice: RegisteredDevice,
    readonly aliceLaptop: RegisteredDevice,
    readonly bob: RegisteredDevice,
    readonly bobLaptop: RegisteredDevice,
    /** Nobody sends to carol: her mailbox stays empty, so her sockets carry only what a test sends. */
    readonly carol: RegisteredDevice,
    readonly pools: { readonly alice: KeyPool; readonly bob: KeyPool; readonly fresh: readonly KeyPool[] },
    readonly sessions: readonly PooledSession[],
    readonly linkTokens: readonly string[],
    readonly oidcClient: FuzzOidcClient,
    /** Error lines the server logged, not yet reported. */
    private readonly faults: string[],
  ) {}

  static async start(options: FuzzServerOptions = {}): Promise<FuzzServer> {
    const dir = await tempDir("parley-fuzz-");
    const path = join(dir.path, "parley.db");
    const faults: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => void faults.push(line) });
    const serve = async (security?: SecurityOptions) =>
      startTestServer({
        stores: await openSqliteStores({ path }),
        logger,
        maxBodyBytes: fuzzLimits.maxBodyBytes,
        maxFrameBytes: fuzzLimits.maxFrameBytes,
        settings: {
          devices: { maxDevices: fuzzLimits.maxDevices },
          keys: { maxKeysPerUpload: fuzzLimits.maxKeysPerUpload, maxStoredKeys: fuzzLimits.maxStoredKeys },
          messages: { maxEnvelopeBytes: fuzzLimits.maxEnvelopeBytes, maxEnvelopesPerRequest: fuzzLimits.maxEnvelopesPerRequest },
        },
        oidc: oidcSettings,
        ...(security ? { security } : {}),
      });
    let test = await serve();
    try {
      const alice = await registerAccount(test);
      const bob = await registerAccount(test);
      const carol = await registerAccount(test);
      const aliceLaptop = await linkDevice(test, alice);
      const bobLaptop = await linkDevice(test, bob);
      const pools = { alice: keyPool(alice.keys.identity), bob: keyPool(bob.keys.identity), fresh: [keyPool(), keyPool()] };
      const sessions: PooledSession[] = [];
      for (let i = 0; i < 8; i++) {
        const username = uniqueUsername("fuzz");
        const created = await test.api.post<{ sessionId: string }>("/v1/verification/sessions", { identifier: { kind: "username", value: username } });
        const code = test.codes.codeFor(username);
        const verified = i < 6;
        if (verified) await test.api.put(`/v1/verification/sessions/${created.body.sessionId}/code`, { code });
        sessions.push({ sessionId: created.body.sessionId, code, verified });
      }
      const linkTokens: string[] = [];
      for (let i = 0; i < 4; i++) linkTokens.push((await test.api.as(alice.credentials).post<{ token: string }>("/v1/devices/link-tokens")).body.token);
      const redirectUri = "http://127.0.0.1:9/callback";
      const registered = await test.server.oidc!.admin.addClient({ name: "Fuzz App", redirectUris: [redirectUri], public: false, subjectType: "pairwise" });
      if (options.security) {
        await test.close();
        test = await serve(options.security);
      }
      const oidcClient = { clientId: registered.clientId, clientSecret: registered.clientSecret!, redirectUri, issuer: test.server.oidc!.issuer! };
      return new FuzzServer(test, dir, path, new FuzzHttpClient(test.url), alice, aliceLaptop, bob, bobLaptop, carol, pools, sessions, linkTokens, oidcClient, faults);
    } catch (error) {
      await test.close();
      await dir.cleanup();
      throw error;
    }
  }

  get url(): string {
    return this.test.url;
  }

  /** Fails when the server logged an error since the last call. */
  checkFaults(what: () => string): void {
    if (this.faults.length === 0) return;
    const logged = this.faults.splice(0).map((line) => {
      const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string; stack?: string } };
      return `${entry.msg ?? ""}: ${entry.err?.stack ?? entry.err?.message ?? ""}`;
    });
    throw new FuzzCheckError(`${what()}: the server logged ${logged.length} error(s):\n${logged.join("\n").slice(0, 3000)}`);
  }

  /** Fails unless the server still answers: health, an authenticated read, a send that must work. */
  async assertServing(): Promise<void> {
    const health = await this.http.send({ method: "GET", path: "/healthz", headers: {} });
    if (health.status !== 200) throw new FuzzCheckError(`the server stopped serving: /healthz answered ${health.status}`);
    const api = this.test.api;
    const devices = await api.as(this.bob.credentials).get<{ devices: { id: number; registrationId: number }[] }>("/v1/devices");
    if (devices.status !== 200) throw new FuzzCheckError(`the server stopped serving: GET /v1/devices answered ${devices.status}`);
    const sent = await api.as(this.alice.credentials).put(`/v1/messages/${this.bob.credentials.accountId}`, {
      timestamp: Date.now(),
      messages: devices.body.devices.map((d) => ({ deviceId: d.id, registrationId: d.registrationId, type: 1, content: b64(Uint8Array.of(1, 2, 3)) })),
    });
    if (sent.status !== 200) throw new FuzzCheckError(`the server stopped serving: a valid send answered ${sent.status} ${JSON.stringify(sent.body)}`);
    this.checkFaults(() => "while checking the server still serves");
  }

  /** The store's consistency now, read while the server runs. */
  consistency(): StoreConsistencyReport {
    return checkStoreConsistency(this.path, { limits: fuzzLimits });
  }

  /** Stops the server, checks the store it leaves behind, and removes it. */
  async close(): Promise<StoreConsistencyReport> {
    this.http.close();
    await this.test.close();
    try {
      this.checkFaults(() => "while closing");
      return checkStoreConsistency(this.path, { limits: fuzzLimits });
    } finally {
      await this.dir.cleanup();
    }
  }
}
