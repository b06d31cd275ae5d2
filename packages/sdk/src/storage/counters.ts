// Monotonic counters in the store (key `counter/<name>`, decimal text): ids for prekeys, the
// outbox and the history's local order. Allocated inside a unit of work, so an id handed out by a
// unit that fails is handed out again.
import { storageKeys } from "./keys.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";
import type { UnitOfWork } from "./unit-of-work.js";

const text = new TextEncoder();
const untext = new TextDecoder();

/** Reserves `count` consecutive values of the counter `name`; returns the first (1 for a new counter). */
export async function nextCounter(tx: UnitOfWork, name: string, count = 1): Promise<number> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError("counter count must be a positive integer");
  const key = storageKeys.counter(name);
  const bytes = await tx.get(key);
  const last = bytes === undefined ? 0 : decodeCounter(bytes);
  const next = last + count;
  if (!Number.isSafeInteger(next)) throw new RangeError(`counter ${name} is exhausted`);
  tx.put(key, text.encode(String(next)));
  return last + 1;
}

function decodeCounter(bytes: Uint8Array): number {
  const value = untext.decode(bytes);
  if (!/^\d{1,16}$/.test(value)) throw new StorageError(StorageErrorCode.CorruptRecord, "counter record does not decode");
  return Number(value);
}
