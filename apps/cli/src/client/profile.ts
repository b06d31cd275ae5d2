// A profile is one device's local state: `<data dir>/<profile>/client.db`, an encrypted SQLite
// store (with its key-derivation file beside it). One person may keep several profiles (say a
// phone number and a test account); each holds at most one device.
import { existsSync, statSync } from "node:fs";
import { mkdir, rm, rmdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { kdfFilePath } from "../storage/passphrase-key.js";
import { openSqliteKeyValueStore, type SqliteKeyValueStore } from "../storage/sqlite-key-value-store.js";
import { CliError, CliErrorCode } from "./cli-error.js";

const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class Profile {
  readonly directory: string;
  readonly databasePath: string;

  constructor(
    readonly name: string,
    dataDirectory: string,
  ) {
    if (!profileNamePattern.test(name)) {
      throw new CliError(CliErrorCode.Usage, "a profile name has 1 to 64 letters, digits, '.', '_' or '-', and starts with a letter or digit");
    }
    this.directory = join(resolve(dataDirectory), name);
    this.databasePath = join(this.directory, "client.db");
  }

  /** --data, else $PARLEY_HOME, else ~/.parley; --profile, else "default". */
  static select(flags: { data?: string; profile?: string }, env: NodeJS.ProcessEnv = process.env): Profile {
    const data = flags.data ?? (env["PARLEY_HOME"] || join(homedir(), ".parley"));
    return new Profile(flags.profile ?? "default", data);
  }

  /**
   * Whether the profile's store has been created (it may still hold no device). The key-derivation
   * file is written first, and in WAL mode the database's content may still be in its log alone,
   * so any of the three counts.
   */
  exists(): boolean {
    const base = this.databasePath;
    return existsSync(kdfFilePath(base)) || existsSync(`${base}-wal`) || (existsSync(base) && statSync(base).size > 0);
  }

  async openStore(passphrase: string): Promise<SqliteKeyValueStore> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    return openSqliteKeyValueStore({ path: this.databasePath, passphrase });
  }

  /** Deletes the store and its side files: for a registration or link that did not complete. */
  async remove(): Promise<void> {
    const base = this.databasePath;
    for (const path of [base, `${base}-wal`, `${base}-shm`, `${base}-journal`, kdfFilePath(base)]) await rm(path, { force: true });
    // The directory goes too unless something else was put there.
    await rmdir(this.directory).catch(() => undefined);
  }
}
