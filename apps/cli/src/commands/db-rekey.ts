// `parley db rekey --new-key-file <file>`: re-encrypts the single-node database under a new key
// (or encrypts an unencrypted one), with the server stopped. The current key comes from the
// configuration; point storage.encryptionKeyFile at the new key before the next start.
import { readKeyFile, rekeySqliteDatabase, sqlitePathOf, storageKeyOf } from "@parley/server";
import { configFromFlags, type ConfigFlags } from "./config-sources.js";
import { assertSingleMode, describeSummary } from "./db-common.js";

export interface RekeyFlags extends ConfigFlags {
  newKeyFile: string;
}

export async function dbRekey(flags: RekeyFlags): Promise<void> {
  const { config } = configFromFlags(flags);
  assertSingleMode(config, "db rekey");
  const summary = await rekeySqliteDatabase({
    databasePath: sqlitePathOf(config),
    key: storageKeyOf(config),
    newKey: readKeyFile(flags.newKeyFile, "--new-key-file"),
  });
  process.stdout.write(
    `rekeyed: ${describeSummary(summary)}\n` +
      `Before the next start, set storage.encryptionKeyFile to ${flags.newKeyFile} (or put the new key where it points).\n`,
  );
}
