// Waiting for the outbox: until one message has left it, or until it is empty.
import { setTimeout as delay } from "node:timers/promises";
import { ParleyError, SdkErrorCode, type MessageRecord, type ParleyClient } from "@parley/sdk";

/**
 * Resolves with the message once it has left the outbox: sent (or further), or failed for good.
 * Rejects with IDENTITY_UNTRUSTED when the recipient's identity key changed, since the message
 * is then held until the user accepts the new key (it stays queued meanwhile).
 */
export function waitUntilSent(client: ParleyClient, conversation: string, messageId: string): Promise<MessageRecord> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const settle = (outcome: () => void) => {
      for (const off of offs.splice(0)) off();
      outcome();
    };
    const consider = (message: MessageRecord) => {
      if (message.messageId === messageId && message.status !== "queued") settle(() => resolve(message));
    };
    offs.push(client.events.on("message-updated", ({ message }) => consider(message)));
    offs.push(
      client.events.on("identity-changed", ({ accountId }) => {
        if (accountId !== conversation) return;
        settle(() => reject(new ParleyError(SdkErrorCode.IdentityUntrusted, "the recipient's identity key changed; the message is held until you accept the new key")));
      }),
    );
    // It may have left before the listeners were added.
    client.history(conversation, 200).then(
      (messages) => {
        const message = messages.find((m) => m.messageId === messageId);
        if (message) consider(message);
      },
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/**
 * Sends what the outbox holds, until it is empty or `timeoutMs` has passed; returns how many
 * items are left. Items held for a changed identity key, or backing off after failures, are
 * what can be left. The SDK signals no "outbox empty" event, so this checks the count between
 * passes, every 100 ms.
 */
export async function drainOutbox(client: ParleyClient, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    const flushed = await within(client.flush(), remaining);
    const pending = await client.pendingCount();
    if (pending === 0 || !flushed || Date.now() >= deadline) return pending;
    await delay(Math.min(100, Math.max(0, deadline - Date.now())));
  }
}

/** True when `promise` settles within `ms`, false when the time runs out first. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), delay(Math.max(0, ms), false, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/** What to tell the user about items a command leaves in the outbox. */
export function stillQueuedNotice(count: number): string {
  return `${count} outgoing ${count === 1 ? "item is" : "items are"} still queued; they go out with this profile's next send, inbox or chat.`;
}
