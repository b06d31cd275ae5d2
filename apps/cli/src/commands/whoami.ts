// `parley whoami`: the profile's account and device (read from the local store; no network).
import type { ClientCommand } from "../client/client-command.js";
import { formatIdentifier } from "../client/contact-book.js";

export async function whoami(context: ClientCommand): Promise<void> {
  const client = await context.openClient();
  const identifier = client.identifier;
  const who = identifier ? formatIdentifier(identifier) : "(identifier unknown on this device)";
  await context.out.result(`${who}: account ${client.accountId}, device ${client.deviceId}${client.deviceId === 1 ? " (primary)" : ""}, profile ${context.profile.name}`, {
    accountId: client.accountId,
    deviceId: client.deviceId,
    identifier: identifier ?? null,
    profile: context.profile.name,
  });
}
