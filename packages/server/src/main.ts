// The composition root: the only file that names concrete adapters. It turns a configuration
// into a running server: the embedded default (SQLite file, in-process bus), or a cluster node
// (PostgreSQL, NATS), whose adapters are imported only in that mode so that a single-node start
// never loads `pg` or `nats`.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { pino, type Logger } from "pino";
import { InProcessBus } from "./adapters/memory/index.js";
import { BufferedCryptoRandom } from "./adapters/random/buffered-crypto-random.js";
import { openSqliteStores, type SqliteStores } from "./adapters/sql/index.js";
import { AdminSocket } from "./admin/admin-socket.js";
import { parseOidcAdminRequest, runOidcAdminRequest, type OidcAdminRequest } from "./admin/oidc-admin-actions.js";
import { requestOidcAdmin } from "./admin/request-oidc-admin.js";
import { KeyRing } from "./oidc/key-ring.js";
import { OidcAdmin } from "./oidc/oidc-admin.js";
import { LogVerificationSender } from "./adapters/verification/log-verification-sender.js";
import { WebhookVerificationSender } from "./adapters/verification/webhook-verification-sender.js";
import type { ParleyConfig } from "./config/config-schema.js";
import { storageKeyOf } from "./config/storage-key.js";
import { tlsSettingsOf } from "./config/tls-settings.js";
import { domainSettingsOf, oidcSettingsOf, transportSettingsOf } from "./config/to-settings.js";
import { securitySettingsOf } from "./config/to-security-settings.js";
import { createServer, type ParleyServer, type ServerDeps } from "./create-server.js";
import { systemClock } from "./ports/clock.js";
import type { Random } from "./ports/random.js";
import type { Stores } from "./ports/stores.js";
import type { VerificationSender } from "./ports/verification-sender.js";
import { noAuditLog, type AuditLog } from "./security/audit-log.js";
import { PinoAuditLog } from "./security/pino-audit-log.js";
import type { RateLimiterFactory } from "./security/rate-limits.js";
import type { SecurityOptions } from "./security/security.js";
import { ThrottledAuditLog } from "./security/throttled-audit-log.js";

export const cryptoRandom: Random = { bytes: (length) => new Uint8Array(randomBytes(length)) };

export function createLogger(config: ParleyConfig): Logger {
  return pino({ level: config.log.level, base: { service: "parley" } });
}

/** Where the SQLite file of `config` lives. */
export function sqlitePathOf(config: ParleyConfig): string {
  return resolve(config.storage.sqlitePath || join(config.server.dataDir, "parley.db"));
}

/**
 * The embedded single-node server of `config`, not yet listening: the SQLite file (opened
 * exclusively: this process owns it), the in-process bus, the system clock. `verificationSender`
 * replaces the configured one (benchmarks and embedders).
 */
export async function buildSingleNodeServer(
  config: ParleyConfig,
  logger: Logger,
  verificationSender: VerificationSender = verificationSenderOf(config, logger),
): Promise<{ server: ParleyServer; stores: SqliteStores }> {
  mkdirSync(resolve(config.server.dataDir), { recursive: true });
  const key = storageKeyOf(config);
  const stores = await openSqliteStores({
    path: sqlitePathOf(config),
    synchronous: config.storage.synchronous === "full" ? "FULL" : "NORMAL",
    commitIntervalMs: config.storage.commitIntervalMs,
    exclusive: true,
    ...(key === undefined ? {} : { key }),
  });
  try {
    const server = await createServer({ ...commonDeps(config, logger, verificationSender), stores, bus: new InProcessBus(), singleNode: true });
    return { server, stores };
  } catch (error) {
    await stores.close();
    throw error;
  }
}

/**
 * A cluster node of `config`, not yet listening: PostgreSQL for every store (migrated on start,
 * safely when several nodes start at once), NATS for wake-ups between nodes, and Redis for the
 * rate-limit counters when cluster.redisUrl is set. Fails with a clear error when any of them
 * cannot be reached; once running, all reconnect by themselves and readiness is false while
 * PostgreSQL or NATS is down (without Redis, rate limits count in each node's memory).
 */
export async function buildClusterNode(
  config: ParleyConfig,
  logger: Logger,
  verificationSender: VerificationSender = verificationSenderOf(config, logger),
): Promise<{ server: ParleyServer; stores: Stores }> {
  const [{ openPostgresStores }, { connectNatsBus }] = await Promise.all([import("./adapters/sql/postgres/index.js"), import("./adapters/nats/index.js")]);
  const node = nodeNameOf(config);
  const stores = await openPostgresStores({ url: config.cluster.postgresUrl, poolSize: config.cluster.postgresPoolSize });
  const late: { server?: ParleyServer } = {};
  let bus;
  try {
    bus = await connectNatsBus({
      servers: config.cluster.natsServers.split(",").map((server) => server.trim()).filter((server) => server !== ""),
      prefix: config.cluster.natsPrefix,
      name: node,
      // Events published while this node was cut off are lost: every local device re-reads its
      // mailbox, and removed devices' connections close.
      onReconnect: () => {
        late.server?.resync().catch((error: unknown) => logger.warn({ err: error }, "resync after reconnect failed"));
      },
      onHealthChange: (healthy: boolean) => (healthy ? logger.info("bus connected") : logger.warn("bus disconnected; readiness is false until it is back")),
      onListenerError: (error: unknown) => logger.error({ err: error }, "bus listener failed"),
    });
  } catch (error) {
    await stores.close();
    throw error;
  }
  // Rate limits count in Redis (cluster.redisUrl) or else in PostgreSQL, so they hold across the nodes.
  let limiters: { readonly factory: RateLimiterFactory; close(): Promise<void> };
  try {
    limiters = await openClusterRateLimiters(config, logger);
  } catch (error) {
    await bus.close();
    await stores.close();
    throw error;
  }
  const common = commonDeps(config, logger, verificationSender);
  let server: ParleyServer;
  try {
    server = await createServer({
      ...common,
      security: { ...common.security, rateLimiters: limiters.factory },
      stores,
      bus,
      singleNode: false,
      resyncIntervalMs: config.cluster.resyncSeconds * 1000,
    });
  } catch (error) {
    await limiters.close();
    throw error;
  }
  const close = server.close.bind(server);
  late.server = Object.assign(server, {
    close: async () => {
      await close();
      await limiters.close();
    },
  });
  return { server, stores };
}

/** The shared rate-limit counters of a cluster node: in Redis when cluster.redisUrl is set, else in PostgreSQL. */
async function openClusterRateLimiters(config: ParleyConfig, logger: Logger): Promise<{ readonly factory: RateLimiterFactory; close(): Promise<void> }> {
  if (config.cluster.redisUrl.trim() !== "") {
    const { openRedisRateLimiters } = await import("./security/redis-rate-limiters.js");
    return openRedisRateLimiters({
      url: config.cluster.redisUrl.trim(),
      onConnectionError: (error) => logger.warn({ err: error }, "the rate-limit connection to Redis was lost; counting in memory until it is back"),
    });
  }
  const { openPostgresRateLimiters } = await import("./security/postgres-rate-limiters.js");
  return openPostgresRateLimiters({
    url: config.cluster.postgresUrl,
    onConnectionError: (error) => logger.warn({ err: error }, "a rate-limit connection to PostgreSQL was lost"),
  });
}

export async function startServer(config: ParleyConfig, logger: Logger = createLogger(config)): Promise<ParleyServer> {
  if (config.mode === "cluster") {
    const { server } = await buildClusterNode(config, logger);
    const url = await server.listen();
    logger.info({ url, mode: "cluster", node: nodeNameOf(config), nats: config.cluster.natsServers }, "parley is listening");
    return server;
  }
  const { server, stores } = await buildSingleNodeServer(config, logger);
  const url = await server.listen();
  // `parley backup` reaches the running server here, since the server holds the file exclusively.
  const oidc = server.oidc;
  const admin = await AdminSocket.listen(
    sqlitePathOf(config),
    {
      snapshot: (target) => stores.snapshot(target),
      ...(oidc ? { oidcAdmin: (request: unknown) => runOidcAdminRequest(oidc.admin, parseOidcAdminRequest(request)) } : {}),
    },
    logger,
  );
  logger.info({ url, database: sqlitePathOf(config), synchronous: config.storage.synchronous, encrypted: config.storage.encryptionKey !== "" || config.storage.encryptionKeyFile !== "" }, "parley is listening");
  return admin ? closingFirst(server, () => admin.close()) : server;
}

/** `server`, whose close() runs `first` before its own. */
function closingFirst(server: ParleyServer, first: () => Promise<void>): ParleyServer {
  const close = server.close.bind(server);
  return Object.assign(server, {
    close: async () => {
      await first();
      await close();
    },
  });
}

/** What a server takes from `config` in either mode. */
function commonDeps(config: ParleyConfig, logger: Logger, verificationSender: VerificationSender) {
  return {
    clock: systemClock,
    random: new BufferedCryptoRandom(),
    logger,
    verificationSender,
    settings: domainSettingsOf(config),
    transport: transportSettingsOf(config),
    purgeIntervalMs: config.retention.purgeIntervalSeconds * 1000,
    nodeName: nodeNameOf(config),
    metrics: config.server.metrics,
    ...tlsDepsOf(config),
    ...oidcDepsOf(config),
    security: securityOptionsOf(config),
  } satisfies Partial<ServerDeps>;
}

/** The abuse defences of `config`, with rate limits in memory (cluster nodes replace the store). */
function securityOptionsOf(config: ParleyConfig): SecurityOptions {
  const destination = config.security.auditLog.trim();
  const audit: AuditLog = destination === "" ? noAuditLog : new ThrottledAuditLog(new PinoAuditLog(destination === "stdout" ? "stdout" : resolve(destination)));
  return { settings: securitySettingsOf(config), audit };
}

function oidcDepsOf(config: ParleyConfig): Pick<ServerDeps, "oidc"> {
  const oidc = oidcSettingsOf(config);
  return oidc ? { oidc } : {};
}

/**
 * Runs an OpenID Connect administration request (`parley oidc ...`). A running single-node server
 * holds its database exclusively, so it is asked through its admin socket; with no server
 * running, and in cluster mode (where running nodes re-read keys and clients from PostgreSQL),
 * the store is opened directly. Resolves with the request's result.
 */
export async function runOidcAdministration(config: ParleyConfig, request: OidcAdminRequest): Promise<unknown> {
  let stores: Stores;
  if (config.mode === "cluster") {
    const { openPostgresStores } = await import("./adapters/sql/postgres/index.js");
    stores = await openPostgresStores({ url: config.cluster.postgresUrl, poolSize: 1 });
  } else {
    const online = await requestOidcAdmin(sqlitePathOf(config), request);
    if (online !== undefined) return online.result;
    const key = storageKeyOf(config);
    stores = await openSqliteStores({ path: sqlitePathOf(config), exclusive: true, ...(key === undefined ? {} : { key }) });
  }
  try {
    const retentionMs = config.oidc.keyRotationGraceDays * 24 * 3600 * 1000;
    const admin = new OidcAdmin({ store: stores.oidc, keys: new KeyRing(stores.oidc, systemClock, retentionMs), clock: systemClock });
    return await runOidcAdminRequest(admin, request);
  } finally {
    await stores.close();
  }
}

function tlsDepsOf(config: ParleyConfig): Pick<ServerDeps, "tls"> {
  const tls = tlsSettingsOf(config);
  return tls ? { tls } : {};
}

function nodeNameOf(config: ParleyConfig): string {
  return config.cluster.nodeName || `${hostname()}:${process.pid}`;
}

function verificationSenderOf(config: ParleyConfig, logger: Logger): VerificationSender {
  if (config.verification.sender === "webhook") {
    if (!config.verification.webhookUrl) throw new Error("verification.sender is webhook but verification.webhookUrl is empty");
    return new WebhookVerificationSender(config.verification.webhookUrl, config.verification.webhookSecret);
  }
  return new LogVerificationSender(logger);
}
