// The administration of the provider: registering, listing and removing client applications,
// rotating and listing signing keys. Used by the admin socket of a running single-node server and
// by the `parley oidc` commands directly on the store (server stopped, or cluster mode).
import { randomBytes } from "node:crypto";
import type { Clock } from "../ports/clock.js";
import type { OidcClientRecord, OidcStore } from "../ports/oidc-store.js";
import { clientMetadataOf, hashClientSecret } from "./client-metadata.js";
import type { KeyRing, KeySummary } from "./key-ring.js";

export interface NewClient {
  readonly name: string;
  readonly redirectUris: readonly string[];
  /** A public client (a native or browser app) has no secret and relies on PKCE alone. */
  readonly public: boolean;
  readonly subjectType: "pairwise" | "public";
}

/** A registered client as listed (never the secret or its hash). */
export interface ClientSummary {
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly public: boolean;
  readonly subjectType: "pairwise" | "public";
  readonly createdAt: number;
}

/** A refusal of bad input, with a stable code. */
export class OidcAdminError extends Error {
  override readonly name = "OidcAdminError";
  constructor(
    readonly code: "OIDC_INVALID_CLIENT" | "OIDC_CLIENT_NOT_FOUND",
    message: string,
  ) {
    super(message);
  }
}

export class OidcAdmin {
  constructor(
    private readonly deps: {
      readonly store: OidcStore;
      readonly keys: KeyRing;
      readonly clock: Clock;
      /** Further checks of the metadata by the running provider, when there is one. */
      readonly validate?: (metadata: Record<string, unknown>) => Promise<void>;
      /** Told after a rotation, so this process serves the new key at once. */
      readonly onKeysChanged?: () => Promise<void>;
    },
  ) {}

  /** Registers a client; the secret (confidential clients only) is returned here and never again. */
  async addClient(input: NewClient): Promise<{ clientId: string; clientSecret?: string }> {
    const name = input.name.trim();
    if (name === "" || name.length > 100 || /\p{Cc}/u.test(name)) throw new OidcAdminError("OIDC_INVALID_CLIENT", "the name must be 1 to 100 printable characters");
    if (input.redirectUris.length === 0) throw new OidcAdminError("OIDC_INVALID_CLIENT", "at least one redirect URI is needed");
    for (const uri of input.redirectUris) checkRedirectUri(uri);
    const clientId = randomBytes(16).toString("base64url");
    const secret = input.public ? undefined : randomBytes(32).toString("base64url");
    const record: OidcClientRecord = {
      id: clientId,
      name,
      secretHash: secret === undefined ? null : hashClientSecret(secret),
      redirectUris: [...new Set(input.redirectUris)],
      subjectType: input.subjectType,
      createdAt: this.deps.clock.now(),
    };
    if (this.deps.validate) {
      try {
        await this.deps.validate(clientMetadataOf(record));
      } catch (error) {
        throw new OidcAdminError("OIDC_INVALID_CLIENT", (error as { error_description?: string }).error_description ?? String(error));
      }
    }
    await this.deps.store.addClient(record);
    return secret === undefined ? { clientId } : { clientId, clientSecret: secret };
  }

  async listClients(): Promise<ClientSummary[]> {
    return (await this.deps.store.listClients()).map((client) => ({
      clientId: client.id,
      name: client.name,
      redirectUris: client.redirectUris,
      public: client.secretHash === null,
      subjectType: client.subjectType,
      createdAt: client.createdAt,
    }));
  }

  async removeClient(clientId: string): Promise<void> {
    if (!(await this.deps.store.removeClient(clientId))) throw new OidcAdminError("OIDC_CLIENT_NOT_FOUND", `no client ${clientId}`);
  }

  /** A new signing key; the current one retires but stays published for the grace period. */
  async rotateKeys(): Promise<string> {
    const kid = await this.deps.keys.rotate();
    await this.deps.onKeysChanged?.();
    return kid;
  }

  async listKeys(): Promise<KeySummary[]> {
    await this.deps.keys.ensureKey();
    return this.deps.keys.list();
  }
}

/**
 * Exact redirect URIs: https, http only to a loopback host (development, native apps), or a
 * private-use scheme with a dot (com.example.app:/callback); never with a fragment.
 */
function checkRedirectUri(uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new OidcAdminError("OIDC_INVALID_CLIENT", `not an absolute URI: ${uri}`);
  }
  if (url.hash !== "" || uri.includes("#")) throw new OidcAdminError("OIDC_INVALID_CLIENT", `a redirect URI must not have a fragment: ${uri}`);
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "[::1]" || url.hostname === "localhost";
  const ok = url.protocol === "https:" || (url.protocol === "http:" && loopback) || (!["http:", "https:", "javascript:", "data:", "file:"].includes(url.protocol) && url.protocol.includes("."));
  if (!ok) throw new OidcAdminError("OIDC_INVALID_CLIENT", `a redirect URI must be https, http to a loopback address, or a private-use scheme: ${uri}`);
}
