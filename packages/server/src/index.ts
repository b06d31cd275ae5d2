// Public surface of @parley/server.
export { createServer, type ParleyServer, type ServerDeps, type TransportSettings } from "./create-server.js";
export { startServer, buildSingleNodeServer, buildClusterNode, createLogger, sqlitePathOf, cryptoRandom, runOidcAdministration } from "./main.js";
// "Sign in with Parley": the OpenID Connect provider (docs/adr/0014).
export type { OidcAdminRequest } from "./admin/oidc-admin-actions.js";
export { AdminRequestError } from "./admin/request-oidc-admin.js";
export { OidcAdminError, type ClientSummary, type NewClient } from "./oidc/oidc-admin.js";
export type { KeySummary } from "./oidc/key-ring.js";
export type { OidcSettings } from "./oidc/oidc-settings.js";
export { ConfigSchema, type ParleyConfig } from "./config/config-schema.js";
export { loadConfig, ConfigError, type ConfigSources } from "./config/load-config.js";
export { configKeys, type ConfigKey } from "./config/config-keys.js";
export { renderConfig, redactedConfig } from "./config/render-config.js";
export { domainSettingsOf, transportSettingsOf } from "./config/to-settings.js";
export { defaultDomainSettings, defaultAuthSettings, type DomainSettings, type AuthSettings } from "./domain/settings.js";
export { createMemoryStores, InProcessBus } from "./adapters/memory/index.js";
export { openSqliteStores } from "./adapters/sql/index.js";
// TLS, and the database file's encryption, backups and restores (docs/adr/0012).
export { tlsFileLoader, type TlsCredentials, type TlsSettings } from "./http/tls-options.js";
export { storageKeyOf, readKeyFile } from "./config/storage-key.js";
export { StorageError, StorageErrorCode } from "./adapters/sql/storage-error.js";
export { backupSqliteDatabase, type BackupSummary, type SqliteBackupOptions } from "./adapters/sql/sqlite-backup.js";
export { restoreSqliteDatabase, type SqliteRestoreOptions } from "./adapters/sql/sqlite-restore.js";
export { rekeySqliteDatabase, type SqliteRekeyOptions } from "./adapters/sql/sqlite-rekey.js";
export { requestSnapshot } from "./admin/request-snapshot.js";
// Abuse defences: rate limits, IP rules, trusted proxies, connection caps, audit log (docs/adr/0011).
export { securitySettingsOf } from "./config/to-security-settings.js";
export type { SecurityOptions } from "./security/security.js";
export {
  defaultSecuritySettings,
  defaultRateLimitSettings,
  defaultConnectionSettings,
  type SecuritySettings,
  type ConnectionSettings,
  type IpRuleSettings,
} from "./security/security-settings.js";
export { rateLimitNames, type RateLimitName, type RateLimitSettings, type RateLimitWindow, type RateLimiterFactory } from "./security/rate-limits.js";
export { MemoryAuditLog, type AuditLog, type AuditEvent, type AuditRecord } from "./security/audit-log.js";
export { PinoAuditLog } from "./security/pino-audit-log.js";
export { ThrottledAuditLog } from "./security/throttled-audit-log.js";
export { LogVerificationSender } from "./adapters/verification/log-verification-sender.js";
export { WebhookVerificationSender } from "./adapters/verification/webhook-verification-sender.js";
export { systemClock, type Clock } from "./ports/clock.js";
export type { Random } from "./ports/random.js";
export type { Stores } from "./ports/stores.js";
export type { Bus, DeviceEvent } from "./ports/bus.js";
export type { DeviceAddress } from "./ports/device-address.js";
export type { MailboxStore, NewEnvelope, StoredEnvelope } from "./ports/mailbox-store.js";
export type { AccountStore, AccountRecord, DeviceRecord, IdentifierKind } from "./ports/account-store.js";
export type { KeyStore, SignedKey, OneTimeKey } from "./ports/key-store.js";
export type { VerificationStore, VerificationSessionRecord } from "./ports/verification-store.js";
export type { FactorStore, AccountFactors, PasskeyRecord, PinRecord, TotpRecord } from "./ports/factor-store.js";
export type { VerificationSender } from "./ports/verification-sender.js";
