// `parley restore <file>`: makes a backup the single-node database, with the server stopped. The
// backup opens with the storage key, or with --key-file's key; the restored database is encrypted
// under the storage key in effect.
import { resolve } from "node:path";
import { readKeyFile, restoreSqliteDatabase, sqlitePathOf, storageKeyOf } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";
import { assertSingleMode, describeSummary } from "./db-common.js";

export interface RestoreFlags extends ConfigFlags {
  keyFile?: string;
  force?: boolean;
}

export async function restore(file: string, flags: RestoreFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  assertSingleMode(config, "restore");
  const summary = await restoreSqliteDatabase({
    backup: resolve(file),
    backupKey: flags.keyFile === undefined ? undefined : readKeyFile(flags.keyFile, "--key-file"),
    databasePath: sqlitePathOf(config),
    key: storageKeyOf(config),
    overwrite: flags.force === true,
  });
  process.stdout.write(`restored: ${describeSummary(summary)}\n`);
}
