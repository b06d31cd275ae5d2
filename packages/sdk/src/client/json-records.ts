// JSON records in a unit of work.
import type { UnitOfWork } from "../storage/unit-of-work.js";
import { jsonBytes, parseJsonBytes } from "../util/bytes.js";

export async function getJson<T>(tx: UnitOfWork, key: string): Promise<T | undefined> {
  const bytes = await tx.get(key);
  return bytes === undefined ? undefined : parseJsonBytes<T>(bytes);
}

export function putJson(tx: UnitOfWork, key: string, value: unknown): void {
  tx.put(key, jsonBytes(value));
}

export async function scanJson<T>(tx: UnitOfWork, prefix: string, options?: { limit?: number; reverse?: boolean; after?: string }): Promise<T[]> {
  const entries = await tx.scan(prefix, options);
  return entries.map((entry) => parseJsonBytes<T>(entry.value));
}
