// How messages look in the terminal and in --json output.
import type { MessageRecord, MessageStatus } from "@parley/sdk";
import type { ContactBook } from "./contact-book.js";

/** Delivery marks of your own messages: queued ·, sent ✓, delivered ✓✓, read ✓✓ read. */
export function statusMark(status: MessageStatus): string {
  switch (status) {
    case "queued":
      return "·";
    case "sent":
      return "✓";
    case "delivered":
      return "✓✓";
    case "read":
      return "✓✓ read";
    case "failed":
      return "✗ not sent";
    case "received":
      return "";
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local time: HH:MM today, else YYYY-MM-DD HH:MM. */
export function formatTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** A short, stable handle for a message in text output (the start of its id). */
export function shortId(messageId: string): string {
  return messageId.slice(0, 8);
}

export interface FormatOptions {
  /** Colour the read mark (terminals only). */
  readonly colour?: boolean;
}

/** `[12:34] alice: text ✓✓ (edited) [👍 bob]`; from another of your devices: `you (device 2)`. */
export function formatMessage(message: MessageRecord, names: ContactBook, options: FormatOptions = {}): string {
  const author = message.direction === "out" ? "you" : names.name(message.author);
  const time = formatTime(message.sentAt);
  const text = message.deleted ? "(deleted)" : message.text;
  const parts = [`[${time}] ${author}: ${text}`];
  if (message.editedAt !== undefined && !message.deleted) parts.push("(edited)");
  if (message.direction === "out") {
    const mark = statusMark(message.status);
    parts.push(options.colour && message.status === "read" ? `\u001b[36m${mark}\u001b[0m` : mark);
  }
  const reactions = Object.entries(message.reactions).map(([who, emoji]) => `${emoji} ${names.name(who)}`);
  if (reactions.length > 0) parts.push(`[${reactions.join(", ")}]`);
  return parts.join(" ");
}

/** The JSON form of a message: ids, names resolved, times as epoch milliseconds. */
export function messageJson(message: MessageRecord, names: ContactBook): Record<string, unknown> {
  return {
    messageId: message.messageId,
    conversation: message.conversation,
    conversationName: names.name(message.conversation),
    author: message.author,
    authorName: names.name(message.author),
    authorDevice: message.authorDevice,
    direction: message.direction,
    sentAt: message.sentAt,
    ...(message.receivedAt === undefined ? {} : { receivedAt: message.receivedAt }),
    text: message.text,
    status: message.status,
    ...(message.editedAt === undefined ? {} : { editedAt: message.editedAt }),
    ...(message.deleted ? { deleted: true } : {}),
    reactions: message.reactions,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
  };
}

/** A one-line description of a change to a message, for inbox and chat. */
export function describeUpdate(message: MessageRecord, change: "status" | "reaction" | "edit" | "delete", names: ContactBook): string {
  const quoted = message.deleted ? "a message" : `"${truncate(message.text, 40)}"`;
  switch (change) {
    case "status":
      return message.direction === "out"
        ? `you → ${names.name(message.conversation)}: ${quoted} ${statusMark(message.status)}`
        : `${names.name(message.author)}: ${quoted} read on another of your devices`;
    case "edit":
      return `${names.name(message.author)} edited a message: "${truncate(message.text, 60)}"`;
    case "delete":
      return `${names.name(message.author)} deleted a message`;
    case "reaction": {
      const reactions = Object.entries(message.reactions).map(([who, emoji]) => `${names.name(who)} ${emoji}`);
      return reactions.length > 0 ? `reactions to ${quoted}: ${reactions.join(", ")}` : `reactions to ${quoted} removed`;
    }
  }
}

function truncate(text: string, length: number): string {
  const chars = [...text];
  return chars.length <= length ? text : `${chars.slice(0, length - 1).join("")}…`;
}
