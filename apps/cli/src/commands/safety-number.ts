// `parley safety-number <contact>`: the 60-digit number to compare with the contact (in person or
// over another channel); the same on both sides exactly when neither identity key was swapped.
import type { ClientCommand } from "../client/client-command.js";
import { ContactBook } from "../client/contact-book.js";

export async function safetyNumber(context: ClientCommand, contact: string): Promise<void> {
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const accountId = await book.resolve(contact);
  const { digits, scannable } = await client.safetyNumber(accountId);
  const status = (await client.identityStatus(accountId)) ?? "unknown";
  const groups = digits.match(/.{5}/g) ?? [];
  const { out } = context;
  if (out.json) {
    await out.jsonLine({ accountId, digits, groups, scannable, identityKey: status });
    return;
  }
  await out.line(`Safety number with ${book.name(accountId)}:`);
  for (let row = 0; row < groups.length; row += 4) await out.line(`  ${groups.slice(row, row + 4).join(" ")}`);
  await out.line(`Identity key: ${status}. If the numbers match, run: parley trust ${contact} --verified`);
}
