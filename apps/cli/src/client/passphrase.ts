// Where the passphrase of a profile's store comes from: --passphrase-file, else PARLEY_PASSPHRASE,
// else a no-echo prompt when stdin is a terminal. It is never logged, printed or kept beyond
// opening the store (the store keeps only the key derived from it).
import { readFile } from "node:fs/promises";
import { CliError, CliErrorCode } from "./cli-error.js";
import type { Terminal } from "./terminal.js";

export interface PassphraseSource {
  readonly file?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly terminal: Terminal;
}

/** `creating`: the store is new, so a typed passphrase is asked twice. */
export async function readPassphrase(source: PassphraseSource, profile: string, creating: boolean): Promise<string> {
  if (source.file !== undefined) {
    let text: string;
    try {
      text = await readFile(source.file, "utf8");
    } catch (error) {
      throw new CliError(CliErrorCode.PassphraseRequired, `cannot read the passphrase file ${source.file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    // One trailing line break is the file's, not the passphrase's.
    const passphrase = text.replace(/\r?\n$/, "");
    if (passphrase.length === 0) throw new CliError(CliErrorCode.PassphraseRequired, `the passphrase file ${source.file} is empty`);
    return passphrase;
  }
  const fromEnv = source.env["PARLEY_PASSPHRASE"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!source.terminal.interactive) {
    throw new CliError(
      CliErrorCode.PassphraseRequired,
      "the profile's passphrase is needed: set PARLEY_PASSPHRASE or pass --passphrase-file <file> (stdin is not a terminal to ask on)",
    );
  }
  if (!creating) return nonEmpty(await source.terminal.readHidden(`Passphrase for profile ${profile}: `));
  const first = nonEmpty(await source.terminal.readHidden(`New passphrase for profile ${profile}: `));
  const second = await source.terminal.readHidden("Repeat it: ");
  if (first !== second) throw new CliError(CliErrorCode.PassphraseMismatch, "the passphrases differ");
  return first;
}

function nonEmpty(passphrase: string): string {
  if (passphrase.length === 0) throw new CliError(CliErrorCode.PassphraseRequired, "the passphrase must not be empty");
  return passphrase;
}
