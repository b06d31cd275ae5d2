// A flat view of the configuration schema: each leaf key with its dotted path, environment
// variable name, type, default, description and whether it is a secret.
import { ConfigSchema } from "./config-schema.js";

export interface ConfigKey {
  readonly path: string;
  readonly parents: readonly string[];
  readonly name: string;
  readonly env: string;
  readonly type: "string" | "integer" | "boolean";
  readonly default: unknown;
  readonly description: string;
  readonly secret: boolean;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  default?: unknown;
  description?: string;
  secret?: boolean;
}

export function configKeys(): ConfigKey[] {
  const keys: ConfigKey[] = [];
  walk(ConfigSchema as unknown as SchemaNode, [], keys);
  return keys;
}

function walk(node: SchemaNode, parents: string[], keys: ConfigKey[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (child.type === "object") {
      walk(child, [...parents, name], keys);
      continue;
    }
    const type = child.type === "integer" ? "integer" : child.type === "boolean" ? "boolean" : "string";
    keys.push({
      path: [...parents, name].join("."),
      parents,
      name,
      env: `PARLEY_${[...parents, name].map(screaming).join("__")}`,
      type,
      default: child.default,
      description: child.description ?? "",
      secret: child.secret === true,
    });
  }
}

function screaming(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

