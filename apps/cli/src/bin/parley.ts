#!/usr/bin/env node
// The `parley` command. One file per command under ../commands, each loaded only when it runs
// (a client command need not load the server, nor the server the SDK); the terminal client's
// shared parts (profile, passphrase, output, SDK glue for Node) are under ../client.
import { Command } from "commander";
import type { ClientCommand } from "../client/client-command.js";

/** The action of a client command: operands and options go to `load()`'s function after the context. */
function clientAction<A extends unknown[]>(load: () => Promise<(context: ClientCommand, ...args: A) => Promise<void>>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const [{ runClientCommand }, body] = await Promise.all([import("../client/client-command.js"), load()]);
    await runClientCommand(command, (context) => body(context, ...(args.slice(0, -1) as A)));
  };
}

const program = new Command("parley")
  .description("Parley: end-to-end encrypted messaging")
  .version("0.1.0")
  // Options of the terminal client, accepted before or after the command name.
  .option("--data <dir>", "client data directory (default: $PARLEY_HOME, else ~/.parley)")
  .option("--profile <name>", "which local device to use (default: default)")
  .option("--passphrase-file <file>", "read the profile's passphrase from this file (else $PARLEY_PASSPHRASE, else a prompt)")
  .option("--json", "print machine-readable JSON instead of text");

const collect = (value: string, previous: string[]) => [...previous, value];
const withConfigFlags = (command: Command) =>
  command
    .option("-c, --config <file>", "TOML configuration file (default: $PARLEY_CONFIG or ./parley.toml)")
    .option("--host <host>", "listen address (server.host)")
    .option("--port <port>", "listen port (server.port)")
    .option("--data-dir <dir>", "data directory (server.dataDir)")
    .option("--set <key=value>", "set any configuration key, e.g. --set limits.maxDevicesPerAccount=3", collect, []);

withConfigFlags(program.command("serve").description("run the server (SQLite under ./data, 127.0.0.1:8080 by default)")).action(
  async (flags) => (await import("../commands/serve.js")).serve(flags),
);

const config = program.command("config").description("configuration files");
config
  .command("init")
  .description("write a commented sample configuration")
  .option("-o, --output <file>", "where to write it", "parley.toml")
  .option("-f, --force", "overwrite an existing file")
  .action(async (flags) => (await import("../commands/config-init.js")).configInit(flags));
withConfigFlags(config.command("show").description("print the effective configuration, secrets redacted")).action(
  async (flags) => (await import("../commands/config-show.js")).configShow(flags),
);

// The single-node database: encrypted backups, restores, key changes.
withConfigFlags(program.command("backup <file>").description("write an encrypted, consistent backup of the database (the server may be running)"))
  .option("--key-file <file>", "encrypt the backup under the key in this file (default: storage.encryptionKey)")
  .option("-f, --force", "replace an existing file")
  .action(async (file: string, flags) => (await import("../commands/backup.js")).backup(file, flags));
withConfigFlags(program.command("restore <file>").description("make a backup the database (the server must be stopped)"))
  .option("--key-file <file>", "the backup's key, if not storage.encryptionKey")
  .option("-f, --force", "replace an existing database")
  .action(async (file: string, flags) => (await import("../commands/restore.js")).restore(file, flags));
const db = program.command("db").description("the single-node database file");
withConfigFlags(db.command("rekey").description("re-encrypt the database under a new key (the server must be stopped)"))
  .requiredOption("--new-key-file <file>", "file holding the new key (its first line, at least 16 characters)")
  .action(async (flags) => (await import("../commands/db-rekey.js")).dbRekey(flags));

// "Sign in with Parley": the OpenID Connect provider's clients and signing keys.
const oidc = program.command("oidc").description("the OpenID Connect provider (Sign in with Parley)");
const oidcClients = oidc.command("clients").description("third-party applications allowed to sign users in");
withConfigFlags(oidcClients.command("add").description("register an application; prints its client_id (and secret, once)"))
  .requiredOption("--name <name>", "the name users see on the consent screen and their device")
  .requiredOption("--redirect-uri <uri>", "an exact redirect URI (repeatable)", collect, [])
  .option("--public", "a public client (native or browser app): no secret, PKCE only")
  .option("--subject <type>", "pairwise (a different subject per application) or public (one per account)", "pairwise")
  .action(async (flags) => (await import("../commands/oidc-clients.js")).oidcClientsAdd(flags));
withConfigFlags(oidcClients.command("list").description("list the registered applications")).action(async (flags) =>
  (await import("../commands/oidc-clients.js")).oidcClientsList(flags),
);
withConfigFlags(oidcClients.command("remove <clientId>").description("remove an application")).action(async (clientId: string, flags) =>
  (await import("../commands/oidc-clients.js")).oidcClientsRemove(clientId, flags),
);
const oidcKeys = oidc.command("keys").description("the provider's signing keys");
withConfigFlags(oidcKeys.command("rotate").description("make a new signing key; the old one stays published for the grace period")).action(async (flags) =>
  (await import("../commands/oidc-keys.js")).oidcKeysRotate(flags),
);
withConfigFlags(oidcKeys.command("list").description("list the signing keys")).action(async (flags) => (await import("../commands/oidc-keys.js")).oidcKeysList(flags));

// The terminal client.
program
  .command("register")
  .description("create an account; this profile becomes its primary device")
  .requiredOption("--server <url>", "the server, e.g. http://127.0.0.1:8080")
  .option("--phone <e164>", "register a phone number, e.g. +4915112345678")
  .option("--username <name>", "register a username")
  .option("--code <code>", "the verification code (else it is asked for on stdin)")
  .option("--device-name <name>", "a name for this device")
  .option("--pin-file <file>", "the account's registration lock PIN, if it has one (else $PARLEY_PIN, else a prompt)")
  .option("--totp <code>", "an authenticator code, if the account has TOTP")
  .option("--recovery-code <code>", "a recovery code instead of an authenticator code")
  .action(clientAction(async () => (await import("../commands/register.js")).register));

program
  .command("link")
  .description("make this profile a new device of an existing account")
  .requiredOption("--server <url>", "the account's server")
  .option("--device-name <name>", "a name for this device")
  .option("--timeout <seconds>", "how long to wait for approval", "600")
  .option("--pin-file <file>", "the account's registration lock PIN, if it has one (else $PARLEY_PIN, else a prompt)")
  .option("--totp <code>", "an authenticator code, if the account has TOTP")
  .option("--recovery-code <code>", "a recovery code instead of an authenticator code")
  .action(clientAction(async () => (await import("../commands/link.js")).link));

const devices = program.command("devices").description("the account's devices");
devices
  .command("list", { isDefault: true })
  .description("list the account's devices (the default)")
  .action(clientAction(async () => (await import("../commands/devices-list.js")).devicesList));
devices
  .command("approve <code>")
  .description("approve a new device showing this linking code (primary device only)")
  .option("--timeout <seconds>", "how long to wait for the device to finish linking", "120")
  .action(clientAction(async () => (await import("../commands/devices-approve.js")).devicesApprove));
devices
  .command("remove <id>")
  .description("remove a linked device")
  .action(clientAction(async () => (await import("../commands/devices-remove.js")).devicesRemove));

const security = program.command("security").description("the account's registration lock PIN, authenticator (TOTP) and passkeys");
security
  .command("list", { isDefault: true })
  .description("list the account's factors (the default)")
  .action(clientAction(async () => (await import("../commands/security-list.js")).securityList));
security
  .command("pin <action>")
  .description("set or remove the registration lock PIN: `set` or `remove` (primary device only)")
  .option("--pin-file <file>", "read the new PIN from this file (else $PARLEY_PIN, else a prompt, typed twice)")
  .action(clientAction(async () => (await import("../commands/security-pin.js")).securityPin));
security
  .command("totp <action>")
  .description("`enroll` an authenticator app (prints a QR-ready URI and recovery codes) or `remove` it (primary device only)")
  .option("--code <code>", "enroll: the authenticator's code confirming it (else asked for)")
  .action(clientAction(async () => (await import("../commands/security-totp.js")).securityTotp));
security
  .command("remove-passkey <id>")
  .description("remove a passkey (primary device only)")
  .action(clientAction(async () => (await import("../commands/security-passkey-remove.js")).securityPasskeyRemove));

program
  .command("signin <code>")
  .description("approve (or --deny) a sign-in to a third-party app that shows this code")
  .option("--deny", "refuse the sign-in")
  .option("-y, --yes", "approve without asking")
  .action(clientAction(async () => (await import("../commands/signin.js")).signin));

const contacts = program.command("contacts").description("saved contacts");
contacts
  .command("list", { isDefault: true })
  .description("list saved contacts (the default)")
  .action(clientAction(async () => (await import("../commands/contacts-list.js")).contactsList));
contacts
  .command("add <name> <who>")
  .description("save @username or +phone under a name")
  .action(clientAction(async () => (await import("../commands/contacts-add.js")).contactsAdd));

program
  .command("send <contact> <text...>")
  .description("send a message: contact is @username, +phone, an account id or a saved name")
  .option("--no-wait", "only queue it; it goes out the next time this profile connects")
  .option("--timeout <seconds>", "give up waiting after this long (the message stays queued)")
  .action(clientAction(async () => (await import("../commands/send.js")).send));

program
  .command("inbox")
  .description("receive what arrived, print it, send receipts and anything queued, then exit")
  .option("--timeout <seconds>", "give up after this long", "30")
  .action(clientAction(async () => (await import("../commands/inbox.js")).inbox));

program
  .command("chat <contact>")
  .description("chat interactively (each line of input is sent; /quit or end of input leaves)")
  .option("--history <count>", "how many earlier messages to show", "20")
  .action(clientAction(async () => (await import("../commands/chat.js")).chat));

program
  .command("safety-number <contact>")
  .description("show the safety number to compare with a contact")
  .action(clientAction(async () => (await import("../commands/safety-number.js")).safetyNumber));

program
  .command("trust <contact>")
  .description("accept a contact's changed identity key")
  .option("--verified", "also mark it verified (after comparing safety numbers)")
  .action(clientAction(async () => (await import("../commands/trust.js")).trust));

program
  .command("whoami")
  .description("show this profile's account and device")
  .action(clientAction(async () => (await import("../commands/whoami.js")).whoami));

program.parseAsync(process.argv).catch(async (error: unknown) => {
  // Only the server's commands get here (client commands report their own errors and exit).
  const { ConfigError } = await import("@parley/server");
  // A stable code (STORAGE_WRONG_KEY, ...) goes beside the message, as the client commands print it.
  const code = (error as { code?: unknown } | undefined)?.code;
  const coded = typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code) ? ` [${code}]` : "";
  process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}${coded}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
