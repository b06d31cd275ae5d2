// `parley devices`: the account's devices as the server lists them; this one is marked.
import type { ClientCommand } from "../client/client-command.js";
import { formatTime } from "../client/message-format.js";

export async function devicesList(context: ClientCommand): Promise<void> {
  const client = await context.openClient();
  const devices = await client.devices();
  const { out } = context;
  if (out.json) {
    await out.jsonLine({
      devices: devices.map((d) => ({ id: d.id, name: d.name, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt, thisDevice: d.id === client.deviceId })),
    });
    return;
  }
  const rows = devices.map((d) => [
    d.id === client.deviceId ? "*" : " ",
    String(d.id),
    d.name ?? "",
    formatTime(d.createdAt),
    formatTime(d.lastSeenAt),
    d.id === client.deviceId ? "(this device)" : d.id === 1 ? "(primary)" : "",
  ]);
  const header = ["", "ID", "NAME", "CREATED", "LAST SEEN", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) await out.line(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}
