import type { TransportSettings } from "../create-server.js";
import type { DomainSettings } from "../domain/settings.js";
import type { OidcSettings } from "../oidc/oidc-settings.js";
import type { ParleyConfig } from "./config-schema.js";
import { authSettingsOf } from "./auth-config-schema.js";

export function domainSettingsOf(config: ParleyConfig): DomainSettings {
  return {
    verification: {
      codeTtlMs: config.verification.codeTtlSeconds * 1000,
      maxAttempts: config.verification.maxAttempts,
      codeLength: config.verification.codeLength,
    },
    devices: { maxDevices: config.limits.maxDevicesPerAccount, linkTokenTtlMs: config.linking.tokenTtlSeconds * 1000 },
    keys: { maxKeysPerUpload: config.limits.maxKeysPerUpload, maxStoredKeys: config.limits.maxStoredKeys },
    messages: { maxEnvelopeBytes: config.limits.maxEnvelopeBytes, maxEnvelopesPerRequest: config.limits.maxEnvelopesPerRequest },
    retention: { envelopeTtlMs: config.retention.envelopeDays * 24 * 3600 * 1000 },
    auth: authSettingsOf(config.auth),
  };
}

export function transportSettingsOf(config: ParleyConfig): TransportSettings {
  return {
    host: config.server.host,
    port: config.server.port,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxFrameBytes: config.limits.maxFrameBytes,
    deliveryWindow: config.limits.deliveryWindow,
    requestTimeoutMs: config.timeouts.requestTimeoutSeconds * 1000,
    pingIntervalMs: config.timeouts.pingIntervalSeconds * 1000,
  };
}

/** The OpenID Connect provider's settings, or undefined when it is disabled. */
export function oidcSettingsOf(config: ParleyConfig): OidcSettings | undefined {
  const { oidc } = config;
  if (!oidc.enabled) return undefined;
  return {
    issuer: oidc.issuer.trim(),
    signInTtlMs: oidc.codeTtlSeconds * 1000,
    accessTokenTtlMs: oidc.accessTokenTtlSeconds * 1000,
    sessionTtlMs: oidc.sessionTtlSeconds * 1000,
    keyRetentionMs: oidc.keyRotationGraceDays * 24 * 3600 * 1000,
    keyRefreshMs: oidc.keyRefreshSeconds * 1000,
  };
}
