// `parley oidc clients add|list|remove`: the third-party applications allowed to offer "Sign in
// with Parley". A running single-node server is asked through its admin socket; otherwise (server
// stopped, or cluster mode) the store is opened directly (docs/operations.md, "OpenID Connect").
import { runOidcAdministration, type ClientSummary } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";

export interface AddClientFlags extends ConfigFlags {
  name: string;
  redirectUri: string[];
  public?: boolean;
  subject?: string;
}

export async function oidcClientsAdd(flags: AddClientFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  const subjectType = flags.subject ?? "pairwise";
  if (subjectType !== "pairwise" && subjectType !== "public") throw new Error("--subject must be pairwise or public");
  const result = (await runOidcAdministration(config, {
    action: "clients.add",
    name: flags.name,
    redirectUris: flags.redirectUri,
    public: flags.public === true,
    subjectType,
  })) as { clientId: string; clientSecret?: string };
  process.stdout.write(`client_id: ${result.clientId}\n`);
  if (result.clientSecret !== undefined) {
    process.stdout.write(`client_secret: ${result.clientSecret}\n(shown once: only a hash of it is stored)\n`);
  }
}

export async function oidcClientsList(flags: ConfigFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  const clients = (await runOidcAdministration(config, { action: "clients.list" })) as ClientSummary[];
  if (clients.length === 0) return void process.stdout.write("no clients registered\n");
  for (const client of clients) {
    const kind = client.public ? "public" : "confidential";
    process.stdout.write(`${client.clientId}  ${JSON.stringify(client.name)}  ${kind}  subject=${client.subjectType}  ${client.redirectUris.join(" ")}\n`);
  }
}

export async function oidcClientsRemove(clientId: string, flags: ConfigFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  await runOidcAdministration(config, { action: "clients.remove", clientId });
  process.stdout.write(`removed ${clientId}\n`);
}
