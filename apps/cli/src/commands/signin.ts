// `parley signin <code>`: a third-party app's "Sign in with Parley" page shows a code; this shows
// which app asks for what and approves it for this account (or refuses it with --deny). The app
// never sees the account's credentials, and learns only what the approved scopes give.
import { CliError, CliErrorCode } from "../client/cli-error.js";
import type { ClientCommand } from "../client/client-command.js";

const scopeText: Record<string, string> = {
  openid: "sign you in",
  profile: "your username",
  phone: "your phone number",
};

export async function signin(context: ClientCommand, code: string, flags: { deny?: boolean; yes?: boolean }): Promise<void> {
  const client = await context.openClient();
  const { out, terminal } = context;
  const pending = await client.signIns.get(code);
  const asks = pending.scopes.map((scope) => scopeText[scope] ?? scope).join(", ");
  if (flags.deny) {
    await client.signIns.deny(code);
    await out.result(`Sign-in to ${pending.clientName} refused.`, { clientId: pending.clientId, approved: false });
    return;
  }
  out.progress(`${pending.clientName} asks to: ${asks}.`);
  if (!flags.yes) {
    if (!terminal.interactive) throw new CliError(CliErrorCode.Usage, "pass --yes to approve (or --deny) when stdin is not a terminal");
    const answer = await terminal.readLine("Approve? [y/N] ");
    if (!/^y(es)?$/i.test(answer?.trim() ?? "")) {
      await client.signIns.deny(code);
      await out.result(`Sign-in to ${pending.clientName} refused.`, { clientId: pending.clientId, approved: false });
      return;
    }
  }
  await client.signIns.approve(code);
  await out.result(`Sign-in to ${pending.clientName} approved; continue in the app.`, { clientId: pending.clientId, scopes: pending.scopes, approved: true });
}
