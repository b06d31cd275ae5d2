import type { StoredEnvelope } from "../../ports/mailbox-store.js";

/**
 * A plain Uint8Array over bytes a driver returned (better-sqlite3 gives a Buffer, pg too). A
 * Buffer that owns its whole memory is viewed without copying; one in a shared pool is copied,
 * so callers never hold a window onto other data.
 */
export function bytes(value: Uint8Array): Uint8Array {
  if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
    return new Uint8Array(value.buffer, 0, value.byteLength);
  }
  return new Uint8Array(value);
}

/** Byte-wise equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * A count as a number. SQLite returns a number, and so does the PostgreSQL executor (its BIGINT
 * parser); a driver left to its defaults may give a string or a bigint.
 */
export function countOf(value: number | string | bigint): number {
  return Number(value);
}

/** A mailbox_entries row as the MailboxStore port returns it. */
export function storedEnvelopeOf(row: {
  readonly seq: number;
  readonly id: Uint8Array;
  readonly account_id: string;
  readonly device_id: number;
  readonly data: Uint8Array;
  readonly received_at: number;
}): StoredEnvelope {
  return { seq: row.seq, id: bytes(row.id), accountId: row.account_id, deviceId: row.device_id, data: bytes(row.data), receivedAt: row.received_at };
}
