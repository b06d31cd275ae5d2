// TLS for the server's own listener: HTTPS and WSS on one port when a certificate is configured.
// The protocol policy lives here, in one place, so the listener and every certificate reload get
// the same settings: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites only.
import { readFile } from "node:fs/promises";
import { createSecureContext, type SecureContextOptions, type TlsOptions } from "node:tls";

/** A certificate chain and its private key, PEM. */
export interface TlsCredentials {
  /** The leaf certificate first, then the intermediates (a "fullchain" file). */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface TlsSettings {
  /**
   * Reads the current certificate and key: once before listening, and again on every reload, so
   * a renewed certificate on disk is picked up without a restart.
   */
  readonly load: () => Promise<TlsCredentials>;
  /** max-age of the Strict-Transport-Security header on every response; 0 sends none. */
  readonly hstsMaxAgeSeconds: number;
}

/**
 * The TLS 1.3 suites, then TLS 1.2 with ECDHE and AEAD only (Mozilla's "intermediate" profile
 * without finite-field DHE): no CBC, no RSA key exchange, no SHA-1 MACs.
 */
export const TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** A client that has not finished its handshake after this long is dropped (ms). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Everything a secure context needs besides the credentials; the same at start and on reload. */
const policy = {
  minVersion: "TLSv1.2",
  // The highest version both sides speak wins, so TLS 1.3 whenever the client has it. Every suite
  // allowed is strong, so the client picks among them (phones without AES hardware pick ChaCha20).
  ciphers: TLS_CIPHERS,
} as const satisfies SecureContextOptions;

/**
 * The secure-context options for `credentials` under the policy above. Throws when the PEM does
 * not parse or the key does not match the certificate: createSecureContext checks the pair, so a
 * bad pair fails here, with OpenSSL's reason, rather than on the first handshake.
 */
export function secureContextOptions(credentials: TlsCredentials): SecureContextOptions {
  const options = { ...policy, cert: credentials.cert, key: credentials.key };
  createSecureContext(options);
  return options;
}

/** Options for the HTTPS listener; throws as secureContextOptions does. */
export function tlsServerOptions(credentials: TlsCredentials): TlsOptions {
  return { ...secureContextOptions(credentials), handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS };
}

/** The Strict-Transport-Security value, or undefined when `maxAgeSeconds` is 0. */
export function hstsHeaderValue(maxAgeSeconds: number): string | undefined {
  return maxAgeSeconds > 0 ? `max-age=${Math.trunc(maxAgeSeconds)}` : undefined;
}

/** Reads a PEM certificate chain and key from files, naming the file that cannot be read. */
export function tlsFileLoader(certFile: string, keyFile: string): () => Promise<TlsCredentials> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
  };
  return async () => {
    const [cert, key] = await Promise.all([read(certFile, "certificate"), read(keyFile, "key")]);
    return { cert, key };
  };
}
