// `parley send <contact> <text...>`: queues a message in the profile's outbox (durably: it
// survives a crash from then on), prints "queued <id>", then sends it and prints "sent <id>"
// once the server has stored it, retrying until then. With --no-wait it stops after queueing;
// whatever is queued goes out with the next send, inbox or chat of the profile. It talks to the
// server over HTTP and takes no deliveries: those wait for inbox or chat.
import { ParleyError, SdkErrorCode } from "@parley/sdk";
import type { ClientCommand } from "../client/client-command.js";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import { ContactBook } from "../client/contact-book.js";
import { drainOutbox, stillQueuedNotice, waitUntilSent } from "../client/delivery.js";
import { seconds } from "../client/seconds.js";

/** When to say that the message is taking long to go out. */
const slowAfterMs = 1_500;

export interface SendFlags {
  readonly wait: boolean;
  readonly timeout?: string;
}

export async function send(context: ClientCommand, contact: string, words: string[], flags: SendFlags): Promise<void> {
  const text = words.join(" ");
  if (text.trim().length === 0) throw new CliError(CliErrorCode.Usage, "nothing to send");
  const timeoutMs = flags.timeout === undefined ? undefined : seconds(flags.timeout, "--timeout");
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const to = await book.resolve(contact);
  const name = book.name(to);
  const held = (await client.identityStatus(to)) === "changed";
  const messageId = await client.sendText(to, text);
  const { out } = context;
  await out.result(`queued ${messageId}`, { messageId, to, status: "queued" });
  if (!flags.wait) return;
  context.onInterrupt(() =>
    context.stop(new CliError(CliErrorCode.Interrupted, "interrupted; the message stays queued and goes out with this profile's next send, inbox or chat")),
  );
  const untrusted = () =>
    new ParleyError(
      SdkErrorCode.IdentityUntrusted,
      `the identity key of ${name} changed: compare safety numbers (parley safety-number ${contact}), then accept it with \`parley trust ${contact}\`; the message stays queued until then`,
    );
  if (held) throw untrusted();
  // The SDK reports no failed attempts: say so when the message is still queued after a moment.
  const slow = setTimeout(() => out.progress("Not sent yet; still trying (Ctrl-C stops, and the message stays queued)…"), slowAfterMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline =
    timeoutMs === undefined
      ? new Promise<never>(() => undefined)
      : new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new CliError(CliErrorCode.Timeout, "not sent yet; the message stays queued and goes out with this profile's next send, inbox or chat")),
            timeoutMs,
          );
        });
  let sent;
  try {
    sent = await Promise.race([waitUntilSent(client, to, messageId), deadline]);
  } catch (error) {
    throw error instanceof ParleyError && error.code === SdkErrorCode.IdentityUntrusted ? untrusted() : error;
  } finally {
    clearTimeout(timer);
    clearTimeout(slow);
  }
  if (sent.status === "failed") throw new CliError(CliErrorCode.SendFailed, `the message to ${name} could not be sent (${sent.error ?? "refused"})`);
  await out.result(`sent ${messageId}`, { messageId, to, status: "sent" });
  // The copy for this account's other devices follows the message out.
  const pending = await drainOutbox(client, 5_000);
  if (pending > 0) out.progress(stillQueuedNotice(pending));
}
