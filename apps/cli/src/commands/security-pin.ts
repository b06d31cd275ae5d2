// `parley security pin set|remove`: the registration lock PIN. With a PIN set, re-registering the
// account's phone number or username on a new device needs the PIN as well as the verification
// code (until no device of the account has been online for the server's lapse period).
import { pinLength } from "@parley/sdk";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import type { ClientCommand } from "../client/client-command.js";
import { readPin } from "../client/factor-prompt.js";

export async function securityPin(context: ClientCommand, action: string, flags: { pinFile?: string }): Promise<void> {
  if (action !== "set" && action !== "remove") throw new CliError(CliErrorCode.Usage, "give `set` or `remove`");
  const client = await context.openClient();
  if (action === "remove") {
    await client.security.removePin();
    await context.out.result("Registration lock PIN removed.", { pin: false });
    return;
  }
  const pin = await newPin(context, flags);
  await client.security.setPin(pin);
  await context.out.result("Registration lock PIN set. Keep it safe: re-registering this account will need it.", { pin: true });
}

async function newPin(context: ClientCommand, flags: { pinFile?: string }): Promise<string> {
  const { env, terminal } = context;
  const typed = flags.pinFile === undefined && (env["PARLEY_PIN"] ?? "") === "";
  const pin = await readPin(flags, env, terminal, "New registration lock PIN: ");
  if (pin.length < pinLength.min || pin.length > pinLength.max) {
    throw new CliError(CliErrorCode.Usage, `a PIN has ${pinLength.min} to ${pinLength.max} characters`);
  }
  if (typed && (await terminal.readHidden("Repeat it: ")) !== pin) throw new CliError(CliErrorCode.Usage, "the two PINs differ");
  return pin;
}
