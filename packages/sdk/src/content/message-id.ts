// Message ids: lower-case canonical UUIDs, made by the sending client. They are the key of
// idempotency (a receiver drops a second message with an id it has seen) and of references
// (receipts, replies, reactions, edits, deletes).
import type { RandomSource } from "@parley/signal";

export const messageIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && messageIdPattern.test(value);
}

/** A random (version 4) UUID from `random`, in canonical lower-case form. */
export function newMessageId(random: RandomSource): string {
  const bytes = random(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
