// The composition root: the only file that names concrete adapters. It turns a configuration
// into a running server on the embedded default (SQLite file, in-process bus).
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pino, type Logger } from "pino";
import { InProcessBus } from "./adapters/memory/index.js";
import { BufferedCryptoRandom } from "./adapters/random/buffered-crypto-random.js";
import { openSqliteStores } from "./adapters/sql/index.js";
import { LogVerificationSender } from "./adapters/verification/log-verification-sender.js";
import { WebhookVerificationSender } from "./adapters/verification/webhook-verification-sender.js";
import type { ParleyConfig } from "./config/config-schema.js";
import { domainSettingsOf, transportSettingsOf } from "./config/to-settings.js";
import { createServer, type ParleyServer } from "./create-server.js";
import { systemClock } from "./ports/clock.js";
import type { Random } from "./ports/random.js";
import type { Stores } from "./ports/stores.js";
import type { VerificationSender } from "./ports/verification-sender.js";

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
): Promise<{ server: ParleyServer; stores: Stores }> {
  mkdirSync(resolve(config.server.dataDir), { recursive: true });
  const stores = await openSqliteStores({
    path: sqlitePathOf(config),
    synchronous: config.storage.synchronous === "full" ? "FULL" : "NORMAL",
    exclusive: true,
  });
  const server = await createServer({
    stores,
    bus: new InProcessBus(),
    clock: systemClock,
    random: new BufferedCryptoRandom(),
    logger,
    verificationSender,
    settings: domainSettingsOf(config),
    transport: transportSettingsOf(config),
    purgeIntervalMs: config.retention.purgeIntervalSeconds * 1000,
    singleNode: true,
  });
  return { server, stores };
}

export async function startServer(config: ParleyConfig, logger: Logger = createLogger(config)): Promise<ParleyServer> {
  const { server } = await buildSingleNodeServer(config, logger);
  const url = await server.listen();
  logger.info({ url, database: sqlitePathOf(config), synchronous: config.storage.synchronous }, "parley is listening");
  return server;
}

function verificationSenderOf(config: ParleyConfig, logger: Logger): VerificationSender {
  if (config.verification.sender === "webhook") {
    if (!config.verification.webhookUrl) throw new Error("verification.sender is webhook but verification.webhookUrl is empty");
    return new WebhookVerificationSender(config.verification.webhookUrl, config.verification.webhookSecret);
  }
  return new LogVerificationSender(logger);
}
