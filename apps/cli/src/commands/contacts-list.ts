// `parley contacts`: the saved contacts with their identity-key status.
import type { ClientCommand } from "../client/client-command.js";
import { ContactBook, formatIdentifier } from "../client/contact-book.js";

export async function contactsList(context: ClientCommand): Promise<void> {
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const rows = await Promise.all(
    book.contacts.map(async (c) => ({
      accountId: c.accountId,
      name: c.name ?? null,
      identifier: c.identifier ?? null,
      identityKey: (await client.identityStatus(c.accountId)) ?? "unknown",
    })),
  );
  const { out } = context;
  if (out.json) {
    await out.jsonLine({ contacts: rows });
    return;
  }
  if (rows.length === 0) {
    await out.line("No contacts yet. Send to @username or +phone, or save one: parley contacts add <name> <@username|+phone>");
    return;
  }
  for (const row of rows) {
    const label = [row.name, row.identifier ? formatIdentifier(row.identifier) : undefined].filter(Boolean).join(" ") || "(unnamed)";
    await out.line(`${label}  ${row.accountId}  identity key: ${row.identityKey}`);
  }
}
