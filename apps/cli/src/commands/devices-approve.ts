// `parley devices approve <code>`: on the primary device, approves a new device that shows
// `code` (from `parley link`), then waits until that device has announced itself and is in the
// account's signed device list, so that contacts can encrypt to it. The announcement arrives as
// a message, so this command takes deliveries like inbox, and shows what else arrived.
import type { ClientCommand } from "../client/client-command.js";
import { watchArrivals } from "../client/arrivals.js";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import { ContactBook } from "../client/contact-book.js";
import { seconds } from "../client/seconds.js";

export async function devicesApprove(context: ClientCommand, code: string, flags: { timeout: string }): Promise<void> {
  const timeoutMs = seconds(flags.timeout, "--timeout");
  const client = await context.openClient();
  const { out } = context;
  const arrivals = watchArrivals(client, await ContactBook.load(client), out);
  await client.connect();
  const before = new Set((await client.devices()).map((d) => d.id));
  const linked = client.events.once("device-linked", (e) => !before.has(e.deviceId));
  await client.approveLink(code);
  out.progress("Approved; waiting for the new device to finish linking…");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(CliErrorCode.Timeout, "the new device did not finish linking in time")), timeoutMs);
  });
  try {
    const { deviceId } = await Promise.race([linked, timedOut]);
    await out.result(`Device ${deviceId} linked.`, { deviceId, ...arrivals.json() });
  } finally {
    clearTimeout(timer);
  }
}
