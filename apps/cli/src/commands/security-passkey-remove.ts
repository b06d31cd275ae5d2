// `parley security remove-passkey <id>`: removes one of the account's passkeys (ids from `parley security`).
import type { ClientCommand } from "../client/client-command.js";

export async function securityPasskeyRemove(context: ClientCommand, id: string): Promise<void> {
  const client = await context.openClient();
  await client.security.removePasskey(id);
  await context.out.result(`Passkey ${id} removed.`, { removed: id });
}
