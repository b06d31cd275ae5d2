/** How the OpenID Connect provider behaves; from the `oidc` configuration section. */
export interface OidcSettings {
  /** The issuer URL; empty: `<listening URL>/oidc`. Its path must end in /oidc. */
  readonly issuer: string;
  /** How long a browser's sign-in (its interaction and its code) waits for a device, in ms. */
  readonly signInTtlMs: number;
  readonly accessTokenTtlMs: number;
  /** How long a browser stays signed in at the provider (no new device approval), in ms. */
  readonly sessionTtlMs: number;
  /** How long a retired signing key stays published, so tokens it signed still verify, in ms. */
  readonly keyRetentionMs: number;
  /** How often the signing keys are re-read (another node may have rotated them), in ms; 0: never. */
  readonly keyRefreshMs: number;
}

/** The path the provider is served under. */
export const OIDC_MOUNT = "/oidc";
