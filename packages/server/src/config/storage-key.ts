// The database key of a configuration: storage.encryptionKey, or the first line of
// storage.encryptionKeyFile. Read when the database is opened, never logged.
import { readFileSync } from "node:fs";
import { assertUsableKey } from "../adapters/sql/sqlite-cipher.js";
import { StorageError, StorageErrorCode } from "../adapters/sql/storage-error.js";
import type { ParleyConfig } from "./config-schema.js";

/** The key in effect, or undefined when the database is not to be encrypted. */
export function storageKeyOf(config: ParleyConfig): string | undefined {
  if (config.storage.encryptionKeyFile !== "") return readKeyFile(config.storage.encryptionKeyFile, "storage.encryptionKeyFile");
  if (config.storage.encryptionKey !== "") {
    assertUsableKey(config.storage.encryptionKey, "storage.encryptionKey");
    return config.storage.encryptionKey;
  }
  return undefined;
}

/**
 * The key in `path`: its first line, without the line ending (so `openssl rand -base64 32 > file`
 * makes one). `what` names the file in errors, which never quote its contents.
 */
export function readKeyFile(path: string, what = "the key file"): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new StorageError(StorageErrorCode.KeyInvalid, `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const key = text.split(/\r?\n/, 1)[0] ?? "";
  assertUsableKey(key, `the key in ${what} ${path}`);
  return key;
}
