import type { TransportSettings } from "../create-server.js";
import type { DomainSettings } from "../domain/settings.js";
import type { ParleyConfig } from "./config-schema.js";

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
