// `parley security`: what protects the account (registration lock PIN, authenticator, passkeys).
import type { ClientCommand } from "../client/client-command.js";

export async function securityList(context: ClientCommand): Promise<void> {
  const client = await context.openClient();
  const factors = await client.security.factors();
  const lines = [
    `Registration lock PIN: ${factors.pin.enabled ? `set${dated(factors.pin.updatedAt)}` : "not set"}`,
    `Authenticator (TOTP): ${factors.totp.enabled ? `enrolled${dated(factors.totp.confirmedAt)}, ${factors.totp.recoveryCodesLeft} recovery codes left` : "not enrolled"}`,
    `Passkeys: ${factors.passkeys.length === 0 ? "none" : ""}`,
    ...factors.passkeys.map((passkey) => `  ${passkey.id}  ${passkey.name}${dated(passkey.createdAt, "added")}${dated(passkey.lastUsedAt, "last used")}`),
  ];
  await context.out.result(lines.join("\n"), factors);
}

function dated(at: number | undefined, label = "since"): string {
  return at === undefined ? "" : ` (${label} ${new Date(at).toISOString().slice(0, 16).replace("T", " ")})`;
}
