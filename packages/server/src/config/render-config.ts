// Writes a configuration as commented TOML: `parley config init` and the first-start printout.
// Secrets print as [REDACTED] unless the caller asks for a file to edit.
import { stringify } from "smol-toml";
import type { ParleyConfig } from "./config-schema.js";
import { configKeys } from "./config-keys.js";

export function renderConfig(config: ParleyConfig, options: { redactSecrets: boolean }): string {
  const lines = ["# Parley configuration. Every key is optional; the values shown are in effect.", "# Environment: PARLEY_<SECTION>__<KEY> (e.g. PARLEY_SERVER__PORT=9000) overrides this file.", ""];
  let section = "";
  for (const key of configKeys()) {
    const parent = key.parents.join(".");
    if (parent !== section) {
      section = parent;
      if (parent) lines.push("", `[${parent}]`);
    }
    let value: unknown = config as unknown;
    for (const part of [...key.parents, key.name]) value = (value as Record<string, unknown>)[part];
    const shown = key.secret && options.redactSecrets && value !== "" ? "[REDACTED]" : value;
    lines.push(`# ${key.description}`);
    lines.push(stringify({ [key.name]: shown }).trim());
  }
  return lines.join("\n") + "\n";
}

/** A copy with secrets replaced by [REDACTED], safe to log. */
export function redactedConfig(config: ParleyConfig): ParleyConfig {
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const key of configKeys()) {
    if (!key.secret) continue;
    const parent = key.parents.reduce<Record<string, unknown>>((node, part) => node[part] as Record<string, unknown>, copy);
    if (parent[key.name] !== "") parent[key.name] = "[REDACTED]";
  }
  return copy as unknown as ParleyConfig;
}
