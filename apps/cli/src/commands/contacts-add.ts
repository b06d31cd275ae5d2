// `parley contacts add <name> <@username|+phone>`: looks the account up in the directory and
// saves it under `name`, which commands then accept wherever they take a contact.
import { accountIdPattern } from "@parley/protocol";
import type { ClientCommand } from "../client/client-command.js";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import { ContactBook, formatIdentifier, parseIdentifier } from "../client/contact-book.js";

export async function contactsAdd(context: ClientCommand, name: string, who: string): Promise<void> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 64 || /^[@+]/.test(trimmed) || accountIdPattern.test(trimmed.toLowerCase())) {
    throw new CliError(CliErrorCode.Usage, "a contact name has 1 to 64 characters and does not start with @ or + nor look like an account id");
  }
  const identifier = parseIdentifier(who);
  if (!identifier) throw new CliError(CliErrorCode.Usage, "name the account as @username or +phone number");
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const accountId = await book.lookup(identifier, trimmed);
  await context.out.result(`Saved ${trimmed}: ${formatIdentifier(identifier)} (${accountId}).`, { name: trimmed, identifier, accountId });
}
