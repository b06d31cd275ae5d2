// `parley oidc keys rotate|list`: the provider's signing keys. A rotation makes a new key sign;
// the old one stays published for oidc.keyRotationGraceDays so tokens it signed still verify.
// Other cluster nodes pick the new key up within oidc.keyRefreshSeconds.
import { runOidcAdministration, type KeySummary } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";

export async function oidcKeysRotate(flags: ConfigFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  const { kid } = (await runOidcAdministration(config, { action: "keys.rotate" })) as { kid: string };
  process.stdout.write(`new signing key: ${kid}\n`);
}

export async function oidcKeysList(flags: ConfigFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  const keys = (await runOidcAdministration(config, { action: "keys.list" })) as KeySummary[];
  for (const key of keys) {
    const state = key.active ? "signing" : key.retiredAt === null ? "published" : `retired ${new Date(key.retiredAt).toISOString()}`;
    process.stdout.write(`${key.kid}  ${key.alg}  created ${new Date(key.createdAt).toISOString()}  ${state}\n`);
  }
}
