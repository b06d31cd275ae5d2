// `parley config show`: prints the effective configuration, secrets redacted.
import { redactedConfig, renderConfig } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";

export function configShow(flags: ConfigFlags): void {
  process.stdout.write(renderConfig(redactedConfig(configFromFlags(flags).config), { redactSecrets: true }));
}
