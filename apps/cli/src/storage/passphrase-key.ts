// The database key of the client's local store, derived from the user's passphrase with scrypt.
// The salt and cost parameters live in a sidecar JSON file next to the database
// (`<database>.kdf.json`: { version: 1, kdf: "scrypt", N, r, p, salt: base64 }), written once when
// the store is created. They are not secret, but without them the key cannot be derived again:
// the file is written atomically and synced before the database is created.
import { randomBytes, scrypt } from "node:crypto";
import { link, open, readFile, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { StoreError, StoreErrorCode } from "./store-error.js";

export interface ScryptParameters {
  /** CPU/memory cost: a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Uint8Array;
}

/** The parameters new stores get: about 100 ms and 32 MiB on a current laptop. */
export const DEFAULT_SCRYPT_COST = { N: 2 ** 15, r: 8, p: 1 } as const;
export const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const KDF_FILE_VERSION = 1;
/** Bounds on what a sidecar may ask for, so a damaged file cannot demand unbounded memory. */
const MAX_MEMORY = 1 << 30;

export function kdfFilePath(databasePath: string): string {
  return `${databasePath}.kdf.json`;
}

/**
 * The 32-byte key for `passphrase`. The passphrase is NFC-normalised first, so the same visible
 * text typed on another system derives the same key. The caller should zero the result after use.
 */
export function derivePassphraseKey(passphrase: string, parameters: ScryptParameters): Promise<Buffer> {
  const { N, r, p, salt } = parameters;
  return new Promise((resolve, reject) => {
    // OpenSSL needs 128·r·(N + p + 2) bytes; the default limit (32 MiB) is just below that for N = 2^15.
    const maxmem = 128 * r * (N + p + 2) + (1 << 20);
    scrypt(passphrase.normalize("NFC"), salt, KEY_LENGTH, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export function formatKdfFile(parameters: ScryptParameters): string {
  const { N, r, p, salt } = parameters;
  return `${JSON.stringify({ version: KDF_FILE_VERSION, kdf: "scrypt", N, r, p, salt: Buffer.from(salt).toString("base64") }, null, 2)}\n`;
}

export function parseKdfFile(text: string): ScryptParameters {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid("it is not JSON", cause);
  }
  if (typeof value !== "object" || value === null) throw invalid("it is not an object");
  const { version, kdf, N, r, p, salt } = value as Record<string, unknown>;
  if (version !== KDF_FILE_VERSION) throw invalid(`version ${String(version)} is not supported`);
  if (kdf !== "scrypt") throw invalid(`kdf ${String(kdf)} is not supported`);
  if (!isInteger(N, 2, 2 ** 30) || (N & (N - 1)) !== 0) throw invalid("N must be a power of two");
  if (!isInteger(r, 1, 64) || !isInteger(p, 1, 16) || 128 * N * r > MAX_MEMORY) throw invalid("r or p is out of range");
  if (typeof salt !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(salt)) throw invalid("salt is not base64");
  const saltBytes = Buffer.from(salt, "base64");
  if (saltBytes.length !== SALT_LENGTH) throw invalid(`salt must be ${SALT_LENGTH} bytes`);
  return { N, r, p, salt: new Uint8Array(saltBytes) };
}

/** The parameters in the sidecar at `path`, or undefined when there is none. */
export async function readKdfFile(path: string): Promise<ScryptParameters | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseKdfFile(text);
}

/**
 * Writes a sidecar with a fresh salt and the default cost, unless one appeared meanwhile (then
 * that one wins, so two first opens agree on the salt). Returns the parameters in effect.
 */
export async function createKdfFile(path: string): Promise<ScryptParameters> {
  const parameters: ScryptParameters = { ...DEFAULT_SCRYPT_COST, salt: new Uint8Array(randomBytes(SALT_LENGTH)) };
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(temporary, "wx", 0o600);
  try {
    await file.writeFile(formatKdfFile(parameters), "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    // link() never replaces an existing file, unlike rename().
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const existing = await readKdfFile(path);
    if (existing === undefined) throw error;
    return existing;
  } finally {
    await unlink(temporary);
  }
  await syncDirectory(dirname(path));
  return parameters;
}

/** Makes the new directory entry durable; platforms that cannot open a directory skip it. */
async function syncDirectory(path: string): Promise<void> {
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

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function invalid(reason: string, cause?: unknown): StoreError {
  return new StoreError(StoreErrorCode.KdfInvalid, `the store's key-derivation file is unusable: ${reason}`, { cause });
}
