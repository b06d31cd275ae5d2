// Answers the server's factor requirement when registering or linking a device of a protected
// account: the registration lock PIN from --pin-file, PARLEY_PIN or a no-echo prompt; a second
// factor from --totp or --recovery-code, else a prompt for an authenticator code (or a recovery
// code). A terminal cannot hold a passkey: an account protected only by passkeys is linked from a
// browser. Values given on the command line are not asked for again after a refusal.
import { readFile } from "node:fs/promises";
import type { FactorAnswers, FactorPrompt } from "@parley/sdk";
import { CliError, CliErrorCode } from "./cli-error.js";
import type { Output } from "./output.js";
import type { Terminal } from "./terminal.js";

export interface FactorFlags {
  readonly pinFile?: string;
  readonly totp?: string;
  readonly recoveryCode?: string;
}

const refusalText: Record<string, string> = {
  PIN_INCORRECT: "That PIN is not right",
  SECOND_FACTOR_INCORRECT: "That code is not right",
  TOTP_CODE_REUSED: "That authenticator code was used already; wait for the next one",
};

export function factorPrompt(flags: FactorFlags, env: NodeJS.ProcessEnv, terminal: Terminal, out: Output): FactorPrompt {
  return async ({ pinRequired, secondFactors, retry }) => {
    if (retry) {
      const given = (retry.code === "PIN_INCORRECT" && pinFromFlags(flags, env)) || (retry.code !== "PIN_INCORRECT" && (flags.totp ?? flags.recoveryCode));
      if (given) throw new CliError(CliErrorCode.FactorIncorrect, `${refusalText[retry.code] ?? "refused"} (${describeSource(retry.code, flags)})`);
      const left = retry.attemptsLeft === undefined ? "" : `; ${retry.attemptsLeft} ${retry.attemptsLeft === 1 ? "attempt" : "attempts"} left today`;
      out.progress(`${refusalText[retry.code] ?? "Refused"}${left}.`);
    }
    let answers: FactorAnswers = {};
    if (pinRequired) answers = { pin: await readPin(flags, env, terminal) };
    if (secondFactors.length === 0) return answers;
    if (flags.recoveryCode !== undefined && secondFactors.includes("recoveryCode")) return { ...answers, recoveryCode: flags.recoveryCode };
    if (flags.totp !== undefined && secondFactors.includes("totp")) return { ...answers, totp: flags.totp };
    if (!secondFactors.includes("totp")) {
      throw new CliError(CliErrorCode.FactorRequired, "this account is protected by a passkey, which a terminal cannot present: link this device from the web app");
    }
    const line = await terminal.readLine("Authenticator code (or a recovery code): ");
    if (line === undefined || line.trim() === "") throw new CliError(CliErrorCode.FactorRequired, "the account needs an authenticator or recovery code (none given)");
    const typed = line.replace(/\s/g, "");
    return /^[0-9]{6,8}$/.test(typed) ? { ...answers, totp: typed } : { ...answers, recoveryCode: typed };
  };
}

function pinFromFlags(flags: FactorFlags, env: NodeJS.ProcessEnv): boolean {
  return flags.pinFile !== undefined || (env["PARLEY_PIN"] ?? "") !== "";
}

function describeSource(code: string, flags: FactorFlags): string {
  if (code === "PIN_INCORRECT") return flags.pinFile !== undefined ? `--pin-file ${flags.pinFile}` : "PARLEY_PIN";
  return flags.totp !== undefined ? "--totp" : "--recovery-code";
}

/** The PIN from --pin-file (one trailing line break dropped), PARLEY_PIN, or a no-echo prompt. */
export async function readPin(flags: Pick<FactorFlags, "pinFile">, env: NodeJS.ProcessEnv, terminal: Terminal, prompt = "Registration lock PIN: "): Promise<string> {
  if (flags.pinFile !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.pinFile, "utf8");
    } catch (error) {
      throw new CliError(CliErrorCode.FactorRequired, `cannot read the PIN file ${flags.pinFile} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    return text.replace(/\r?\n$/, "");
  }
  const fromEnv = env["PARLEY_PIN"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!terminal.interactive) {
    throw new CliError(CliErrorCode.FactorRequired, "a registration lock PIN is needed: pass --pin-file <file> or set PARLEY_PIN (stdin is not a terminal to ask on)");
  }
  return terminal.readHidden(prompt);
}
