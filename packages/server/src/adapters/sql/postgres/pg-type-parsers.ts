import { TypeOverrides } from "pg";

/** PostgreSQL type oids (pg_type.oid) whose text form this adapter parses itself. */
const INT8 = 20;
const BYTEA = 17;

/**
 * Type parsers for one pool, not pg's global defaults (other users of `pg` in the process keep
 * theirs):
 * - BIGINT (int8) as a JS number. The schema's BIGINT columns hold ms times, seqs, versions and
 *   counts, all below 2^53; a value beyond that fails the statement on the client rather than
 *   lose precision (in a batch, after the server ran it: so no statement may return one).
 * - BYTEA as a Uint8Array that owns its memory (pg's default is a Buffer, possibly a view into
 *   a shared pool). Connections are opened with bytea_output = hex, the only form accepted.
 */
export function pgTypeParsers(): TypeOverrides {
  const types = new TypeOverrides();
  types.setTypeParser(INT8, "text", parseInt8);
  types.setTypeParser(BYTEA, "text", parseBytea);
  return types;
}

export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`a BIGINT beyond 2^53 cannot be read as a number: ${text}`);
  return value;
}

export function parseBytea(text: string): Uint8Array {
  if (!text.startsWith("\\x")) throw new TypeError("BYTEA must come in hex form (bytea_output = hex)");
  const length = (text.length - 2) >>> 1;
  // allocUnsafeSlow: a buffer of its own, outside Node's shared pool, filled completely below.
  const buffer = Buffer.allocUnsafeSlow(length);
  const written = buffer.write(text.slice(2), "hex");
  if (written !== length) throw new TypeError("malformed BYTEA hex text");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}
