// Whole-file moves that survive a crash: a file is written under a temporary name, synced, then
// given its final name in one step, and the directory entry is synced. A reader (or a server
// starting) sees the old file or the complete new one, never a part.
import { randomBytes } from "node:crypto";
import { copyFile, link, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { StorageError, StorageErrorCode } from "./storage-error.js";

/** Flushes `path`'s contents to stable storage. */
export async function syncFile(path: string): Promise<void> {
  const file = await open(path, "r+");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes new directory entries in `path` durable; platforms that cannot open a directory skip it. */
export async function syncDirectory(path: string): Promise<void> {
  let directory;
  try {
    directory = await open(path, "r");
  } catch {
    return;
  }
  try {
    await directory.sync();
  } catch {
    // Windows refuses fsync on a directory; its file system orders metadata itself.
  } finally {
    await directory.close();
  }
}

/**
 * Copies `source` to `target` durably. Without `overwrite`, an existing `target` is left alone
 * and STORAGE_EXISTS thrown (link() never replaces a file, unlike rename()).
 */
export async function copyFileDurably(source: string, target: string, overwrite: boolean): Promise<void> {
  const partial = `${target}.partial-${randomBytes(6).toString("hex")}`;
  try {
    await copyFile(source, partial);
    await syncFile(partial);
    await moveInto(partial, target, overwrite);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Gives the synced file `source` the name `target` (same directory), as copyFileDurably does. */
export async function moveInto(source: string, target: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await rename(source, target);
  } else {
    try {
      await link(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new StorageError(StorageErrorCode.Exists, `${target} exists; pass --force to replace it`, { cause: error });
      }
      throw error;
    }
    await rm(source, { force: true });
  }
  await syncDirectory(dirname(target));
}
