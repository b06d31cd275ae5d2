// Configuration precedence: defaults < file (TOML) < environment (PARLEY_<SECTION>__<KEY>) <
// flags (`--set section.key=value`). Every problem is reported at once, naming its source.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { Compile } from "typebox/compile";
import Value from "typebox/value";
import { ConfigSchema, type ParleyConfig } from "./config-schema.js";
import { configKeys, type ConfigKey } from "./config-keys.js";
import { securityConfigProblems } from "./to-security-settings.js";
import { authConfigProblems } from "./auth-config-schema.js";
import { oidcConfigProblems } from "./oidc-config-schema.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export interface ConfigSources {
  /** Path of a TOML file, if any. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** "section.key=value" overrides from the command line. */
  readonly overrides?: readonly string[];
}

const validator = Compile(ConfigSchema);

export function loadConfig(sources: ConfigSources = {}): ParleyConfig {
  const problems: string[] = [];
  const merged = Value.Default(ConfigSchema, {}) as Record<string, unknown>;
  if (sources.file) {
    try {
      mergeInto(merged, parseToml(readFileSync(sources.file, "utf8")) as Record<string, unknown>, `file ${sources.file}`, problems);
    } catch (error) {
      problems.push(`file ${sources.file}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
  }
  for (const key of configKeys()) {
    const raw = sources.env?.[key.env];
    if (raw !== undefined) setKey(merged, key, raw, `environment ${key.env}`, problems);
  }
  for (const override of sources.overrides ?? []) {
    const eq = override.indexOf("=");
    const path = eq < 0 ? override : override.slice(0, eq);
    const key = configKeys().find((k) => k.path === path);
    if (!key || eq < 0) problems.push(`flag --set ${override}: expected section.key=value with a known key`);
    else setKey(merged, key, override.slice(eq + 1), `flag --set ${path}`, problems);
  }
  if (problems.length === 0 && !validator.Check(merged)) {
    for (const error of validator.Errors(merged)) problems.push(`${error.instancePath || "config"}: ${error.message}`);
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(merged as ParleyConfig));
  if (problems.length > 0) throw new ConfigError(problems);
  return merged as ParleyConfig;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, where: string, problems: string[]): void {
  for (const [name, value] of Object.entries(source)) {
    const current = target[name];
    if (current !== undefined && typeof current === "object" && current !== null && typeof value === "object" && value !== null) {
      mergeInto(current as Record<string, unknown>, value as Record<string, unknown>, `${where} [${name}]`, problems);
    } else if (!(name in target)) {
      problems.push(`${where}: unknown key "${name}"`);
    } else {
      target[name] = value;
    }
  }
}

function setKey(config: Record<string, unknown>, key: ConfigKey, raw: string, where: string, problems: string[]): void {
  let value: unknown = raw;
  if (key.type === "integer") {
    value = /^-?[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (Number.isNaN(value)) return void problems.push(`${where}: "${raw}" is not an integer`);
  } else if (key.type === "boolean") {
    if (raw !== "true" && raw !== "false") return void problems.push(`${where}: "${raw}" is not true or false`);
    value = raw === "true";
  }
  let node = config;
  for (const part of key.parents) node = node[part] as Record<string, unknown>;
  node[key.name] = value;
}

/** Rules that involve more than one key. */
function crossFieldProblems(config: ParleyConfig): string[] {
  const problems: string[] = [];
  if (config.mode === "cluster") {
    if (config.cluster.postgresUrl.trim() === "") problems.push("cluster.postgresUrl: required in cluster mode");
    if (config.cluster.natsServers.trim() === "") problems.push("cluster.natsServers: required in cluster mode");
  }
  if ((config.server.tlsCertFile === "") !== (config.server.tlsKeyFile === "")) {
    problems.push("server.tlsCertFile and server.tlsKeyFile: set both (HTTPS) or neither (plain HTTP)");
  }
  if (config.storage.encryptionKey !== "" && config.storage.encryptionKeyFile !== "") {
    problems.push("storage.encryptionKey and storage.encryptionKeyFile: set one of them, not both");
  }
  if (config.storage.encryptionKey !== "" && config.storage.encryptionKey.length < 16) {
    problems.push("storage.encryptionKey: must be at least 16 characters");
  }
  problems.push(...securityConfigProblems(config));
  problems.push(...authConfigProblems(config.auth));
  problems.push(...oidcConfigProblems(config.oidc));
  return problems;
}
