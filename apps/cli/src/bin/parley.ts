#!/usr/bin/env node
// The `parley` command. One file per command under ../commands.
import { ConfigError } from "@parley/server";
import { Command } from "commander";
import { configInit } from "../commands/config-init.js";
import { configShow } from "../commands/config-show.js";
import { serve } from "../commands/serve.js";

const program = new Command("parley").description("Parley: end-to-end encrypted messaging").version("0.1.0");

const collect = (value: string, previous: string[]) => [...previous, value];
const withConfigFlags = (command: Command) =>
  command
    .option("-c, --config <file>", "TOML configuration file (default: $PARLEY_CONFIG or ./parley.toml)")
    .option("--host <host>", "listen address (server.host)")
    .option("--port <port>", "listen port (server.port)")
    .option("--data-dir <dir>", "data directory (server.dataDir)")
    .option("--set <key=value>", "set any configuration key, e.g. --set limits.maxDevicesPerAccount=3", collect, []);

withConfigFlags(program.command("serve").description("run the server (SQLite under ./data, 127.0.0.1:8080 by default)")).action(serve);

const config = program.command("config").description("configuration files");
config
  .command("init")
  .description("write a commented sample configuration")
  .option("-o, --output <file>", "where to write it", "parley.toml")
  .option("-f, --force", "overwrite an existing file")
  .action(configInit);
withConfigFlags(config.command("show").description("print the effective configuration, secrets redacted")).action(configShow);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`parley: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
