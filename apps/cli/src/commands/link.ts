// `parley link`: makes this profile a new device of an existing account. It shows a linking
// code, waits until the account's primary device approves it (`parley devices approve <code>`),
// then announces itself to the primary, which adds it to the account's signed device list.
import { ParleyClient } from "@parley/sdk";
import type { ClientCommand } from "../client/client-command.js";
import { drainOutbox } from "../client/delivery.js";
import { factorPrompt, type FactorFlags } from "../client/factor-prompt.js";
import { serverUrl } from "../client/server-url.js";
import { seconds } from "../client/seconds.js";

export interface LinkFlags extends FactorFlags {
  readonly server: string;
  readonly deviceName?: string;
  readonly timeout: string;
}

export async function link(context: ClientCommand, flags: LinkFlags): Promise<void> {
  const url = serverUrl(flags.server);
  const timeoutMs = seconds(flags.timeout, "--timeout");
  const store = await context.newDeviceStore();
  const { out, terminal } = context;
  out.progress(`Asking ${url} for a linking code…`);
  const client = await ParleyClient.link({
    ...context.clientOptions(store),
    serverUrl: url,
    timeoutMs,
    ...(flags.deviceName ? { deviceName: flags.deviceName } : {}),
    getFactors: factorPrompt(flags, context.env, terminal, out),
    onLinkingCode: (code) => {
      void out.result(`Linking code: ${code}`, { linkingCode: code });
      out.progress(`On the account's primary device, run:  parley devices approve '${code}'`);
      out.progress("Waiting for approval…");
    },
  });
  context.adopt(client);
  out.progress("Approved; announcing this device to the primary…");
  if ((await drainOutbox(client, 30_000)) > 0) {
    out.warn("the primary device has not been told yet; it will be with this profile's next send, inbox or chat");
  }
  await out.result(`Linked: account ${client.accountId}, device ${client.deviceId} (profile ${context.profile.name}).`, {
    accountId: client.accountId,
    deviceId: client.deviceId,
    profile: context.profile.name,
  });
}
