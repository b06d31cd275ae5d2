import { existsSync } from "node:fs";
import { loadConfig, type ParleyConfig } from "@parley/server";

export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  set?: string[];
}

/**
 * The effective configuration: defaults, then the file (--config, else $PARLEY_CONFIG, else
 * ./parley.toml when present), then PARLEY_* variables, then flags.
 */
export function configFromFlags(flags: ConfigFlags): { config: ParleyConfig; file: string | undefined } {
  const file = flags.config ?? process.env["PARLEY_CONFIG"] ?? (existsSync("parley.toml") ? "parley.toml" : undefined);
  const overrides = [...(flags.set ?? [])];
  if (flags.host !== undefined) overrides.push(`server.host=${flags.host}`);
  if (flags.port !== undefined) overrides.push(`server.port=${flags.port}`);
  if (flags.dataDir !== undefined) overrides.push(`server.dataDir=${flags.dataDir}`);
  return { config: loadConfig({ ...(file ? { file } : {}), env: process.env, overrides }), file };
}
