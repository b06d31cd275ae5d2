// `parley serve`: runs the server until SIGTERM or SIGINT, then drains gracefully; SIGHUP reloads
// the TLS certificate.
import { existsSync } from "node:fs";
import { createLogger, renderConfig, redactedConfig, sqlitePathOf, startServer } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";

export async function serve(flags: ConfigFlags): Promise<void> {
  const { config, file } = configFromFlags(flags);
  const firstStart = config.mode === "single" && !existsSync(sqlitePathOf(config));
  if (firstStart) {
    process.stdout.write(
      `First start: no database at ${sqlitePathOf(config)} yet, so one is created.\n` +
        `Configuration in effect (${file ? `from ${file} and defaults` : "defaults"}; \`parley config init\` writes an editable copy):\n\n` +
        renderConfig(redactedConfig(config), { redactSecrets: true }) +
        "\n",
    );
  }
  const logger = createLogger(config);
  const server = await startServer(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without draining");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "draining");
    server.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // SIGHUP re-reads the TLS certificate and key: new connections get the renewed certificate,
  // open ones keep theirs. A bad pair is logged and the current one stays.
  process.on("SIGHUP", () => {
    server.reloadTls().then(
      (reloaded) => {
        if (reloaded) logger.info("tls certificate reloaded");
      },
      (error: unknown) => logger.error({ err: error }, "tls certificate reload failed; the current one stays in use"),
    );
  });
  // SIGHUP also re-reads the IP rules file (sockets of addresses it now refuses close) and
  // re-opens the audit log file after rotation. An invalid rules file is logged; the rules stay.
  process.on("SIGHUP", () => {
    server.reloadSecurity().then(
      () => logger.info("ip rules reloaded"),
      (error: unknown) => logger.error({ err: error }, "ip rules reload failed; the current rules stay in force"),
    );
  });
}
