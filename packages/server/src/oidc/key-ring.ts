// The provider's signing keys, kept in the store so that every node signs with the same key and
// a rotation reaches all of them. The newest unretired key signs; retired keys stay published in
// the JWKS for the retention period so tokens they signed still verify, then they are deleted.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import type { Clock } from "../ports/clock.js";
import type { OidcSigningKeyRecord, OidcStore } from "../ports/oidc-store.js";

/** The keys the provider is built with, and a value that changes whenever they do. */
export interface KeySet {
  /** Private JWKs, the signing key first. */
  readonly keys: readonly Record<string, unknown>[];
  readonly fingerprint: string;
}

/** A key as `parley oidc keys list` shows it (never the private part). */
export interface KeySummary {
  readonly kid: string;
  readonly alg: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
  /** Signing now. */
  readonly active: boolean;
}

export class KeyRing {
  constructor(
    private readonly store: OidcStore,
    private readonly clock: Clock,
    /** How long a retired key stays published, in ms. */
    private readonly retentionMs: number,
  ) {}

  /** Makes the first key when there is none that may sign (first start). */
  async ensureKey(): Promise<void> {
    await this.store.addFirstSigningKey(generateKey(this.clock.now()));
  }

  /** A new signing key; the previous ones retire now. Returns the new key id. */
  async rotate(): Promise<string> {
    const key = generateKey(this.clock.now());
    await this.store.rotateSigningKeys(key);
    return key.kid;
  }

  async list(): Promise<KeySummary[]> {
    const keys = await this.store.listSigningKeys();
    const signing = keys.find((key) => key.retiredAt === null)?.kid;
    return keys.map((key) => ({ kid: key.kid, alg: key.alg, createdAt: key.createdAt, retiredAt: key.retiredAt, active: key.kid === signing }));
  }

  /** The published keys: the signing key, then other unretired ones, then those retired recently. */
  async load(): Promise<KeySet> {
    const cutoff = this.clock.now() - this.retentionMs;
    const keys = (await this.store.listSigningKeys()).filter((key) => key.retiredAt === null || key.retiredAt >= cutoff);
    // listSigningKeys is newest first; unretired keys go before retired ones.
    const ordered = [...keys.filter((key) => key.retiredAt === null), ...keys.filter((key) => key.retiredAt !== null)];
    const fingerprint = createHash("sha256")
      .update(ordered.map((key) => `${key.kid}:${key.retiredAt ?? ""}`).join(","))
      .digest("base64url");
    return { keys: ordered.map((key) => JSON.parse(key.privateJwk) as Record<string, unknown>), fingerprint };
  }

  /** Deletes keys retired longer ago than the retention; returns how many. */
  async purge(): Promise<number> {
    return this.store.deleteSigningKeysRetiredBefore(this.clock.now() - this.retentionMs);
  }
}

/** A fresh ES256 (P-256) key. */
function generateKey(createdAt: number): OidcSigningKeyRecord {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = randomBytes(12).toString("base64url");
  const jwk = { ...privateKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
  return { kid, alg: "ES256", privateJwk: JSON.stringify(jwk), createdAt, retiredAt: null };
}
