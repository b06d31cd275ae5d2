// Message history: one record per user-visible message, ordered by conversation and by when this
// device stored it (a local sequence: senders' clocks disagree, and messages sent within one
// millisecond must keep their order), with an index from (conversation, author, message id) to the record's key so that receipts,
// reactions, edits and deletions find their target.
import { nextCounter } from "../storage/counters.js";
import type { UnitOfWork } from "../storage/unit-of-work.js";
import { fromUtf8, utf8 } from "../util/bytes.js";
import { getJson, putJson, scanJson } from "./json-records.js";
import { keys, type MessageRecord } from "./records.js";

export class History {
  constructor(private readonly tx: UnitOfWork) {}

  /** Stores a new message; false (and nothing written) when one with the same id exists. */
  async add(record: MessageRecord): Promise<boolean> {
    const index = keys.messageId(record.conversation, record.author, record.messageId);
    if ((await this.tx.get(index)) !== undefined) return false;
    const key = keys.message(record.conversation, await nextCounter(this.tx, "message"), record.messageId);
    putJson(this.tx, key, record);
    this.tx.put(index, utf8(key));
    return true;
  }


  async find(conversation: string, author: string, messageId: string): Promise<MessageRecord | undefined> {
    const key = await this.tx.get(keys.messageId(conversation, author, messageId));
    return key === undefined ? undefined : getJson<MessageRecord>(this.tx, fromUtf8(key));
  }

  /** Applies `change` to the message and stores it; returns the new record or undefined. */
  async update(conversation: string, author: string, messageId: string, change: (record: MessageRecord) => boolean): Promise<MessageRecord | undefined> {
    const keyBytes = await this.tx.get(keys.messageId(conversation, author, messageId));
    if (keyBytes === undefined) return undefined;
    const key = fromUtf8(keyBytes);
    const record = await getJson<MessageRecord>(this.tx, key);
    if (!record || !change(record)) return undefined;
    putJson(this.tx, key, record);
    return record;
  }

  /** The newest `limit` messages of a conversation, oldest first. */
  async recent(conversation: string, limit: number): Promise<MessageRecord[]> {
    const newest = await scanJson<MessageRecord>(this.tx, keys.conversation(conversation), { reverse: true, limit });
    return newest.reverse();
  }

  /** Every conversation id that has messages. */
  async conversations(): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const [entry] = await this.tx.scan("message/", { ...(after ? { after } : {}), limit: 1 });
      if (!entry) return ids;
      const conversation = entry.key.split("/")[1]!;
      ids.push(conversation);
      // Skip past every key of this conversation: "/" + 1 is "0".
      after = `message/${conversation}0`;
    }
  }
}

/** Status order: a receipt never moves a message backwards (read stays read). */
const rank: Record<MessageRecord["status"], number> = { failed: 0, queued: 1, sent: 2, delivered: 3, read: 4, received: 0 };

export function advanceStatus(record: MessageRecord, status: "sent" | "delivered" | "read"): boolean {
  if (record.direction !== "out" || rank[record.status] >= rank[status]) return false;
  record.status = status;
  return true;
}
