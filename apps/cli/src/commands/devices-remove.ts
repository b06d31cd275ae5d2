// `parley devices remove <id>`: removes a linked device (from the primary: any; from a linked
// device: itself). Messages are no longer encrypted to it.
import type { ClientCommand } from "../client/client-command.js";
import { CliError, CliErrorCode } from "../client/cli-error.js";

export async function devicesRemove(context: ClientCommand, id: string): Promise<void> {
  const deviceId = Number(id);
  if (!Number.isInteger(deviceId) || deviceId < 2 || deviceId > 127) {
    throw new CliError(CliErrorCode.Usage, "give the id of a linked device (2 to 127); the primary device cannot be removed");
  }
  const client = await context.openClient();
  await client.removeDevice(deviceId);
  await context.out.result(`Device ${deviceId} removed.`, { removed: deviceId });
}
