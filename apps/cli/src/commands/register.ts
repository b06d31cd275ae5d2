// `parley register`: creates an account on a server, with this profile as its primary device.
import type { Identifier } from "@parley/protocol";
import { ParleyClient } from "@parley/sdk";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import type { ClientCommand } from "../client/client-command.js";
import { formatIdentifier, phoneNumber } from "../client/contact-book.js";
import { factorPrompt, type FactorFlags } from "../client/factor-prompt.js";
import { serverUrl } from "../client/server-url.js";

export interface RegisterFlags extends FactorFlags {
  readonly server: string;
  readonly phone?: string;
  readonly username?: string;
  readonly code?: string;
  readonly deviceName?: string;
}

const codePattern = /^[0-9]{4,10}$/;

export async function register(context: ClientCommand, flags: RegisterFlags): Promise<void> {
  if ((flags.phone === undefined) === (flags.username === undefined)) {
    throw new CliError(CliErrorCode.Usage, "give either --phone <e164> or --username <name>");
  }
  const identifier: Identifier = flags.phone !== undefined ? { kind: "phone", value: phoneNumber(flags.phone) } : { kind: "username", value: flags.username! };
  const url = serverUrl(flags.server);
  if (flags.code !== undefined && !codePattern.test(flags.code)) throw new CliError(CliErrorCode.Usage, "a verification code is 4 to 10 digits");
  const store = await context.newDeviceStore();
  const { out, terminal } = context;
  out.progress(`Registering ${formatIdentifier(identifier)} at ${url}…`);
  const client = await ParleyClient.register({
    ...context.clientOptions(store),
    serverUrl: url,
    identifier,
    ...(flags.deviceName ? { deviceName: flags.deviceName } : {}),
    getFactors: factorPrompt(flags, context.env, terminal, out),
    getCode: async ({ attemptsLeft, retry }) => {
      if (retry) {
        if (flags.code !== undefined) throw new CliError(CliErrorCode.CodeIncorrect, "the verification code given with --code is not right");
        if (attemptsLeft === 0) throw new CliError(CliErrorCode.CodeIncorrect, "that code is not right and no attempts are left: run `parley register` again for a new code");
        out.progress(`That code is not right; ${attemptsLeft} ${attemptsLeft === 1 ? "attempt" : "attempts"} left.`);
      }
      let code = flags.code;
      while (code === undefined) {
        const line = await terminal.readLine(`Verification code sent to ${formatIdentifier(identifier)}: `);
        if (line === undefined) throw new CliError(CliErrorCode.CodeRequired, "no verification code given (end of input)");
        const typed = line.replace(/\s/g, "");
        if (codePattern.test(typed)) code = typed;
        else out.progress("A verification code is 4 to 10 digits.");
      }
      out.progress("Checking the code, then generating keys…");
      return code;
    },
  });
  context.adopt(client);
  await out.result(`Registered ${formatIdentifier(identifier)}: account ${client.accountId}, device ${client.deviceId} (profile ${context.profile.name}).`, {
    accountId: client.accountId,
    deviceId: client.deviceId,
    identifier,
    profile: context.profile.name,
  });
}
