// What reaches a device while a command has it connected: messages (from contacts, and from this
// account's other devices) and changes to messages (receipts, edits, deletions, reactions). Shown
// as lines as they arrive in text mode; collected for one JSON object at the end in --json mode.
import type { MessageRecord, ParleyClient } from "@parley/sdk";
import type { ContactBook } from "./contact-book.js";
import { describeUpdate, formatTime, messageJson } from "./message-format.js";
import type { Output } from "./output.js";

export interface Arrivals {
  readonly messages: readonly MessageRecord[];
  readonly updates: ReadonlyArray<{ readonly change: string; readonly message: MessageRecord }>;
  /** The JSON form: messages and updates with names resolved. */
  json(): { messages: unknown[]; updates: unknown[] };
}

export function watchArrivals(client: ParleyClient, book: ContactBook, out: Output): Arrivals {
  const messages: MessageRecord[] = [];
  const updates: Array<{ change: string; message: MessageRecord }> = [];
  client.events.on("message", ({ message }) => {
    // Messages this device queued itself are not news; those from your other devices are.
    if (message.direction === "out" && message.authorDevice === client.deviceId) return;
    messages.push(message);
    const line =
      message.direction === "in"
        ? `[${formatTime(message.sentAt)}] ${book.name(message.author)}: ${message.text}`
        : `[${formatTime(message.sentAt)}] you → ${book.name(message.conversation)}: ${message.text} (from device ${message.authorDevice})`;
    void out.line(line);
  });
  client.events.on("message-updated", ({ message, change }) => {
    updates.push({ change, message });
    void out.line(describeUpdate(message, change, book));
  });
  client.events.on("identity-changed", ({ accountId }) => {
    out.warn(`the identity key of ${book.name(accountId)} changed: compare safety numbers, then \`parley trust\` it`);
  });
  return {
    messages,
    updates,
    json: () => ({
      messages: messages.map((m) => messageJson(m, book)),
      updates: updates.map(({ change, message }) => ({ change, message: messageJson(message, book) })),
    }),
  };
}
