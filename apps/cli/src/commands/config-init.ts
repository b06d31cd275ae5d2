// `parley config init`: writes a commented sample configuration that works as it is.
import { existsSync, writeFileSync } from "node:fs";
import { loadConfig, renderConfig } from "@parley/server";

export function configInit(options: { output: string; force?: boolean }): void {
  if (existsSync(options.output) && !options.force) {
    throw new Error(`${options.output} exists; pass --force to overwrite it`);
  }
  writeFileSync(options.output, renderConfig(loadConfig(), { redactSecrets: false }), { mode: 0o600 });
  process.stdout.write(`wrote ${options.output}\n`);
}
