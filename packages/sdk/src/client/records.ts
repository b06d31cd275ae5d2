// The records the client keeps in its key-value store beside the Signal state, and their keys.
// Records are JSON with a `v` version field, so a later SDK can read what an earlier one wrote.
// Key prefixes owned here: local/account, contact/, message/, message-id/, outbox/, processed/.
import type { Identifier } from "@parley/protocol";

export interface LocalAccount {
  readonly v: 1;
  readonly serverUrl: string;
  readonly accountId: string;
  readonly deviceId: number;
  readonly password: string;
  readonly identifier?: Identifier;
}

export interface DeviceListEntry {
  readonly deviceId: number;
  readonly registrationId: number;
}

export interface ContactRecord {
  readonly v: 1;
  readonly accountId: string;
  readonly name?: string;
  readonly identifier?: Identifier;
  /** The newest signed device list seen (verified); a lower version is a rollback and refused. */
  readonly deviceList?: { readonly version: number; readonly devices: readonly DeviceListEntry[] };
}

export type MessageStatus = "queued" | "sent" | "delivered" | "read" | "failed" | "received";

export interface MessageRecord {
  readonly v: 1;
  readonly messageId: string;
  /** The other party's account id (your own for notes to self). */
  readonly conversation: string;
  readonly author: string;
  readonly authorDevice: number;
  readonly direction: "in" | "out";
  readonly sentAt: number;
  readonly receivedAt?: number;
  readonly serverTimestamp?: number;
  text: string;
  readonly replyTo?: { readonly messageId: string; readonly author: string };
  status: MessageStatus;
  /** By reacting account id. */
  reactions: Record<string, string>;
  editedAt?: number;
  deleted?: boolean;
  error?: string;
}

export interface OutboxItem {
  readonly v: 1;
  readonly seq: number;
  /** The content's message id (the receiver dedupes on sender + this id). */
  readonly messageId: string;
  readonly to: string;
  /** Base64 of the encoded, unpadded Content. */
  readonly content: string;
  /** The user-visible message this item carries, if any (its status follows the item). */
  readonly tracks?: { readonly conversation: string; readonly messageId: string; readonly sentAt: number };
  readonly createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  /** Held until the user accepts the recipient's new identity key. */
  blocked?: "identity";
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

export const keys = {
  account: "local/account",
  contact: (accountId: string) => `contact/${accountId}`,
  contacts: "contact/",
  message: (conversation: string, seq: number, messageId: string) => `message/${conversation}/${pad(seq, 15)}/${messageId}`,
  conversation: (conversation: string) => `message/${conversation}/`,
  messageId: (conversation: string, author: string, messageId: string) => `message-id/${conversation}/${author}/${messageId}`,
  outbox: (seq: number) => `outbox/${pad(seq, 12)}`,
  outboxAll: "outbox/",
  processedEnvelope: (idHex: string) => `processed/envelope/${idHex}`,
  processedEnvelopes: "processed/envelope/",
  processedMessage: (sender: string, messageId: string) => `processed/message/${sender}/${messageId}`,
  processedMessages: "processed/message/",
} as const;
