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
}

export const defaultDomainSettings: DomainSettings = {
  verification: { codeTtlMs: 10 * 60_000, maxAttempts: 5, codeLength: 6 },
  devices: { maxDevices: 5, linkTokenTtlMs: 10 * 60_000 },
  keys: { maxKeysPerUpload: 100, maxStoredKeys: 1000 },
  messages: { maxEnvelopeBytes: 256 * 1024, maxEnvelopesPerRequest: 32 },
  retention: { envelopeTtlMs: 30 * 24 * 3600_000 },
};
