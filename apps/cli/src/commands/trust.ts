// `parley trust <contact>`: accepts the contact's changed identity key, which releases the
// messages held for them; with --verified, records that the safety numbers were compared.
import type { ClientCommand } from "../client/client-command.js";
import { ContactBook } from "../client/contact-book.js";
import { drainOutbox, stillQueuedNotice } from "../client/delivery.js";

export async function trust(context: ClientCommand, contact: string, flags: { verified?: boolean }): Promise<void> {
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const accountId = await book.resolve(contact);
  const name = book.name(accountId);
  const { out } = context;
  const before = await client.identityStatus(accountId);
  let accepted = false;
  if (before === "changed") {
    await client.acceptIdentity(accountId);
    accepted = true;
    out.progress(`Accepted the new identity key of ${name}; sending what was held…`);
    const pending = await drainOutbox(client, 15_000);
    if (pending > 0) out.progress(stillQueuedNotice(pending));
  }
  const verified = flags.verified === true ? await client.markVerified(accountId) : false;
  const status = (await client.identityStatus(accountId)) ?? "unknown";
  const text = accepted
    ? `${name}'s new identity key is accepted${verified ? " and marked verified" : ""}.`
    : verified
      ? `${name}'s identity key is marked verified.`
      : before === undefined
        ? `No identity key of ${name} is known yet: exchange a message first.`
        : `${name}'s identity key has not changed (${status}); nothing to accept.`;
  await out.result(text, { accountId, accepted, verified, identityKey: status });
}
