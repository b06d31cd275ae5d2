// `parley security totp enroll|remove`: an authenticator app as the account's second factor.
// Enrolling prints the provisioning URI (turn it into a QR code, or type the secret in), checks a
// code from the app, and prints the recovery codes, which are shown this once only.
import { CliError, CliErrorCode } from "../client/cli-error.js";
import type { ClientCommand } from "../client/client-command.js";

const codePattern = /^[0-9]{6,8}$/;

export async function securityTotp(context: ClientCommand, action: string, flags: { code?: string }): Promise<void> {
  if (action !== "enroll" && action !== "remove") throw new CliError(CliErrorCode.Usage, "give `enroll` or `remove`");
  if (flags.code !== undefined && !codePattern.test(flags.code)) throw new CliError(CliErrorCode.Usage, "an authenticator code is 6 to 8 digits");
  const client = await context.openClient();
  const { out, terminal } = context;
  if (action === "remove") {
    await client.security.removeTotp();
    await out.result("Authenticator removed, with its recovery codes.", { totp: false });
    return;
  }
  const enrolment = await client.security.beginTotpEnrolment();
  out.progress("Add this account to your authenticator app (scan the URI as a QR code, or type the secret in):");
  out.progress(`  ${enrolment.uri}`);
  out.progress(`  secret: ${enrolment.secret}`);
  let code = flags.code;
  while (code === undefined) {
    const line = await terminal.readLine("Code shown by the app: ");
    if (line === undefined) throw new CliError(CliErrorCode.FactorRequired, "no authenticator code given (end of input); the enrolment was not completed");
    const typed = line.replace(/\s/g, "");
    if (codePattern.test(typed)) code = typed;
    else out.progress("An authenticator code is 6 to 8 digits.");
  }
  const recoveryCodes = await client.security.confirmTotp(code);
  await out.result(
    ["Authenticator enrolled. Recovery codes (each works once; store them somewhere safe, they are not shown again):", ...recoveryCodes.map((c) => `  ${c}`)].join("\n"),
    { totp: true, uri: enrolment.uri, recoveryCodes },
  );
}
