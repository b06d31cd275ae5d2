// How a registered client looks to oidc-provider, and how its secret is kept: only a SHA-256
// hash is stored (the secret is 256 random bits, so a slow hash would add nothing), and the
// provider compares a presented secret by hashing it (see provider-config.ts).
import { createHash, timingSafeEqual } from "node:crypto";
import type { OidcClientRecord } from "../ports/oidc-store.js";

export function hashClientSecret(secret: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(secret, "utf8").digest());
}

/** Whether `presented` hashes to `stored` (the base64url hash the metadata carries). */
export function clientSecretMatches(stored: unknown, presented: string): boolean {
  if (typeof stored !== "string") return false;
  const expected = Buffer.from(stored, "base64url");
  const actual = Buffer.from(hashClientSecret(presented));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The client's metadata for oidc-provider. Every client is "pairwise" to the provider, so that it
 * always derives subjects through pairwiseIdentifier; parley_subject_type says how (per client,
 * or one per account), see subjects.ts. Subjects depend on the client id, not on a redirect host,
 * so each client gets a sector identifier of its own under the reserved .invalid domain: it lets
 * a client have redirect URIs on several hosts, and is never fetched (provider-config.ts turns
 * sector_identifier_uri validation off).
 */
export function clientMetadataOf(client: OidcClientRecord): Record<string, unknown> {
  const confidential = client.secretHash !== null;
  return {
    client_id: client.id,
    client_name: client.name,
    redirect_uris: [...client.redirectUris],
    // A private-use scheme (com.example.app:/callback) is what native apps use.
    application_type: client.redirectUris.some((uri) => !/^https?:/i.test(uri)) ? "native" : "web",
    response_types: ["code"],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: confidential ? "client_secret_basic" : "none",
    ...(confidential ? { client_secret: Buffer.from(client.secretHash).toString("base64url") } : {}),
    subject_type: "pairwise",
    sector_identifier_uri: `https://${createHash("sha256").update(client.id).digest("hex").slice(0, 32)}.sectors.invalid/`,
    parley_subject_type: client.subjectType,
    id_token_signed_response_alg: "ES256",
  };
}
