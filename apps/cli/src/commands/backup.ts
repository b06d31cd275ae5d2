// `parley backup <file>`: an encrypted, consistent copy of the single-node database, taken while
// the server runs (it writes the snapshot, through its admin socket) or from the file when it is
// stopped. Encrypted under the storage key, or under --key-file's key.
import { resolve } from "node:path";
import { backupSqliteDatabase, readKeyFile, requestSnapshot, sqlitePathOf, storageKeyOf } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";
import { assertSingleMode, describeSummary } from "./db-common.js";

export interface BackupFlags extends ConfigFlags {
  keyFile?: string;
  force?: boolean;
}

export async function backup(file: string, flags: BackupFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  assertSingleMode(config, "backup");
  const summary = await backupSqliteDatabase({
    databasePath: sqlitePathOf(config),
    key: storageKeyOf(config),
    backupKey: flags.keyFile === undefined ? undefined : readKeyFile(flags.keyFile, "--key-file"),
    target: resolve(file),
    overwrite: flags.force === true,
    requestSnapshot,
  });
  const source = summary.online ? "from the running server" : "from the database file";
  process.stdout.write(`backup written ${source}: ${describeSummary(summary)}\n`);
}
