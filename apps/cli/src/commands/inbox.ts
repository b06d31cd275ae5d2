// `parley inbox`: connects, takes in everything the server holds for this device (messages,
// receipts, edits, deletions, reactions), prints what arrived in this run, sends what the outbox
// holds (delivery receipts, and anything queued earlier), and exits. Only inbox, chat and
// `devices approve` take deliveries; send, link and trust talk to the server over HTTP alone,
// so that nothing arrives unseen.
import type { ClientCommand } from "../client/client-command.js";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import { watchArrivals } from "../client/arrivals.js";
import { ContactBook } from "../client/contact-book.js";
import { drainOutbox, stillQueuedNotice } from "../client/delivery.js";
import { seconds } from "../client/seconds.js";

/** Time left for sending after the backlog, even when the backlog took most of --timeout. */
const minimumDrainMs = 5_000;

export async function inbox(context: ClientCommand, flags: { timeout: string }): Promise<void> {
  const timeoutMs = seconds(flags.timeout, "--timeout");
  const deadline = Date.now() + timeoutMs;
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const { out } = context;
  const arrivals = watchArrivals(client, book, out);
  let opened = false;
  client.events.on("connection", ({ state }) => (opened ||= state === "open"));

  const empty = client.events.once("queue-empty");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        opened
          ? new CliError(CliErrorCode.Timeout, "the server did not finish delivering in time; what arrived is stored, run inbox again")
          : new CliError(CliErrorCode.ServerUnreachable, "cannot reach the server"),
      );
    }, timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => empty), late]);
  } finally {
    clearTimeout(timer);
  }
  const pending = await drainOutbox(client, Math.max(minimumDrainMs, deadline - Date.now()));
  if (out.json) {
    await out.jsonLine({ ...arrivals.json(), pending });
    return;
  }
  if (arrivals.messages.length === 0 && arrivals.updates.length === 0) await out.line("No new messages.");
  if (pending > 0) out.progress(stillQueuedNotice(pending));
}
