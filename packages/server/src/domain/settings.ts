/** The limits and periods the domain services enforce; built from the configuration. */
export interface DomainSettings {
  readonly verification: {
    /** How long a code stays valid (ms). */
    readonly codeTtlMs: number;
    /** Code submissions allowed per verification session. */
    readonly maxAttempts: number;
    readonly codeLength: number;
  };
  readonly devices: {
    /** Devices per account, the primary included. */
    readonly maxDevices: number;
    readonly linkTokenTtlMs: number;
  };
  readonly keys: {
    /** One-time keys of one kind in one upload. */
    readonly maxKeysPerUpload: number;
    /** One-time keys of one kind stored per device. */
    readonly maxStoredKeys: number;
  };
  readonly messages: {
    /** Size of one sealed envelope's content. */
    readonly maxEnvelopeBytes: number;
    /** Envelopes in one send request. */
    readonly maxEnvelopesPerRequest: number;
  };
  readonly retention: {
    /** Undelivered envelopes older than this are purged (ms). */
    readonly envelopeTtlMs: number;
  };
  /** Registration lock PIN and second factors (docs/adr/0013-second-factors.md). */
  readonly auth: AuthSettings;
}

export interface AuthSettings {
  /** Wrong PINs allowed per account in a window of `attemptWindowMs`. */
  readonly pinMaxAttemptsPerDay: number;
  /** The PIN stops being required once no device of the account was seen for this long (ms). */
  readonly registrationLockLapseMs: number;
  /** Wrong second factors allowed per account in a window of `attemptWindowMs`. */
  readonly secondFactorMaxFailuresPerDay: number;
  /** Length of the attempt-counting window (ms): one day. */
  readonly attemptWindowMs: number;
  /** TOTP time steps accepted either side of the current one. */
  readonly totpWindow: number;
  /** The issuer shown by authenticator apps. */
  readonly totpIssuer: string;
  /** How long passkey challenges and pending TOTP enrolments stay usable (ms). */
  readonly challengeTtlMs: number;
  /** scrypt cost parameter N of new PIN verifiers; a power of two. */
  readonly pinHashCost: number;
  readonly passkeys: {
    /** The WebAuthn relying party id: the domain the web app is served from. */
    readonly rpId: string;
    readonly rpName: string;
    /** Origins (scheme://host[:port]) a passkey ceremony may come from. */
    readonly origins: readonly string[];
  };
}

export const defaultAuthSettings: AuthSettings = {
  pinMaxAttemptsPerDay: 10,
  registrationLockLapseMs: 7 * 24 * 3600_000,
  secondFactorMaxFailuresPerDay: 10,
  attemptWindowMs: 24 * 3600_000,
  totpWindow: 1,
  totpIssuer: "Parley",
  challengeTtlMs: 300_000,
  pinHashCost: 2 ** 15,
  passkeys: { rpId: "localhost", rpName: "Parley", origins: ["http://localhost:8080"] },
};

export const defaultDomainSettings: DomainSettings = {
  verification: { codeTtlMs: 10 * 60_000, maxAttempts: 5, codeLength: 6 },
  devices: { maxDevices: 5, linkTokenTtlMs: 10 * 60_000 },
  keys: { maxKeysPerUpload: 100, maxStoredKeys: 1000 },
  messages: { maxEnvelopeBytes: 256 * 1024, maxEnvelopesPerRequest: 32 },
  retention: { envelopeTtlMs: 30 * 24 * 3600_000 },
  auth: defaultAuthSettings,
};
