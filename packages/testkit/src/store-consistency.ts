// A consistency check of a server's SQLite file, for after a fuzz run (or any test that wants to
// know the store is sound): SQLite's own integrity and foreign-key checks, then the invariants the
// server promises about what it stores. It reads through its own read-only connection, so it can
// run while a server still has the file open (WAL readers see a committed snapshot).
import { accountIdPattern, decodeEnvelope, e164Pattern, normalizeUsername } from "@parley/protocol";
import Sqlite from "better-sqlite3-multiple-ciphers";

export interface StoreConsistencyLimits {
  /** Devices per account, the primary included (limits.maxDevicesPerAccount). */
  readonly maxDevices: number;
  /** One-time keys of one kind per device (limits.maxStoredKeys). */
  readonly maxStoredKeys: number;
  /** Largest envelope content (limits.maxEnvelopeBytes). */
  readonly maxEnvelopeBytes: number;
}

export interface StoreConsistencyOptions {
  /** The SQLCipher key, for an encrypted file. */
  readonly key?: string;
  /** The limits the server ran with; the server's defaults when absent. */
  readonly limits?: Partial<StoreConsistencyLimits>;
}

export interface StoreConsistencyReport {
  /** One line per broken rule (row numbers and ids, never stored content); empty when sound. */
  readonly problems: readonly string[];
  /** Rows per table, to show what the check looked at. */
  readonly counts: Readonly<Record<string, number>>;
}

const defaultLimits: StoreConsistencyLimits = { maxDevices: 5, maxStoredKeys: 1000, maxEnvelopeBytes: 256 * 1024 };
/** Problems listed before the rest are only counted: one broken rule can break every row. */
const maxListedProblems = 100;
const ecKeyBytes = 33;
const kyberKeyBytes = 1569;
const signatureBytes = 64;
const maxKeyId = 0xffffff;

/** Checks the SQLite file at `path`; see StoreConsistencyReport. Never writes to the file. */
export function checkStoreConsistency(path: string, options: StoreConsistencyOptions = {}): StoreConsistencyReport {
  const limits = { ...defaultLimits, ...options.limits };
  const db = new Sqlite(path, { readonly: true, fileMustExist: true });
  const problems: string[] = [];
  let dropped = 0;
  const problem = (text: string): void => {
    if (problems.length < maxListedProblems) problems.push(text);
    else dropped++;
  };
  try {
    if (options.key !== undefined) {
      db.exec(`PRAGMA cipher = 'sqlcipher'`);
      db.exec(`PRAGMA key = '${options.key.replaceAll("'", "''")}'`);
    }
    const rows = <T>(sql: string): T[] => db.prepare(sql).all() as T[];
    const each = <T>(sql: string): IterableIterator<T> => db.prepare(sql).iterate() as IterableIterator<T>;

    for (const row of rows<{ integrity_check: string }>("PRAGMA integrity_check")) {
      if (row.integrity_check !== "ok") problem(`integrity_check: ${row.integrity_check}`);
    }
    for (const row of rows<{ table: string; rowid: number | null; parent: string }>("PRAGMA foreign_key_check")) {
      problem(`${row.table} row ${row.rowid ?? "?"} references a missing ${row.parent} row`);
    }

    checkAccounts(each, problem);
    checkDevices(each, limits, problem);
    checkKeys(each, limits, problem);
    checkMailbox(each, limits, problem);
    checkDeviceLists(each, problem);
    checkVerificationSessions(each, problem);
    for (const row of each<{ rowid: number; bytes: number }>("SELECT rowid, length(token_hash) AS bytes FROM link_tokens")) {
      if (row.bytes !== 32) problem(`link token row ${row.rowid}: hash of ${row.bytes} bytes`);
    }

    const counts: Record<string, number> = {};
    for (const table of ["accounts", "devices", "signed_prekeys", "one_time_prekeys", "kyber_prekeys", "mailbox_entries", "device_lists", "link_tokens", "verification_sessions"]) {
      counts[table] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    }
    if (dropped > 0) problems.push(`… and ${dropped} more problems`);
    return { problems, counts };
  } finally {
    db.close();
  }
}

type Each = <T>(sql: string) => IterableIterator<T>;
type Problem = (text: string) => void;

function checkAccounts(each: Each, problem: Problem): void {
  const accounts = each<{ id: string; identifier_kind: string; identifier: string; identity_key: Uint8Array; next_device_id: number; primaries: number; highest: number | null }>(
    `SELECT a.id, a.identifier_kind, a.identifier, a.identity_key, a.next_device_id,
       (SELECT count(*) FROM devices d WHERE d.account_id = a.id AND d.id = 1) AS primaries,
       (SELECT max(d.id) FROM devices d WHERE d.account_id = a.id) AS highest
     FROM accounts a`,
  );
  for (const a of accounts) {
    const name = `account ${a.id}`;
    if (!accountIdPattern.test(a.id)) problem(`${name}: id is not a lower-case UUID`);
    if (a.primaries !== 1) problem(`${name}: no primary device`);
    if (!isCanonicalIdentifier(a.identifier_kind, a.identifier)) problem(`${name}: identifier is not in canonical ${a.identifier_kind} form`);
    if (!isEcKey(a.identity_key)) problem(`${name}: identity key is not a 33-byte Curve25519 key`);
    // Device ids are never reused, so the next one to hand out is above every id in use.
    if (!(a.next_device_id >= 2 && a.next_device_id <= 128 && a.next_device_id > (a.highest ?? 0))) {
      problem(`${name}: next device id ${a.next_device_id} is not above the highest device id ${a.highest ?? "-"}`);
    }
  }
}

function checkDevices(each: Each, limits: StoreConsistencyLimits, problem: Problem): void {
  const devices = each<{ account_id: string; id: number; name: string | null; name_length: number | null; registration_id: number; hash: number; salt: number; signed: number; last_resort: number }>(
    `SELECT d.account_id, d.id, d.name, length(d.name) AS name_length, d.registration_id,
       length(d.password_hash) AS hash, length(d.password_salt) AS salt,
       (SELECT count(*) FROM signed_prekeys k WHERE k.account_id = d.account_id AND k.device_id = d.id AND k.kind = 'signed') AS signed,
       (SELECT count(*) FROM signed_prekeys k WHERE k.account_id = d.account_id AND k.device_id = d.id AND k.kind = 'last_resort') AS last_resort
     FROM devices d`,
  );
  for (const d of devices) {
    const name = `device ${d.account_id}.${d.id}`;
    if (!(Number.isInteger(d.id) && d.id >= 1 && d.id <= 127)) problem(`${name}: id out of range`);
    if (!(Number.isInteger(d.registration_id) && d.registration_id >= 1 && d.registration_id <= 0x3fff)) problem(`${name}: registration id out of range`);
    if (d.name !== null && !(d.name_length !== null && d.name_length >= 1 && d.name_length <= 64)) problem(`${name}: name of ${d.name_length} characters`);
    if (d.hash !== 32 || d.salt !== 16) problem(`${name}: password hash or salt has the wrong size`);
    if (d.signed !== 1 || d.last_resort !== 1) problem(`${name}: ${d.signed} signed prekeys and ${d.last_resort} last-resort keys, not one of each`);
  }
  for (const a of each<{ account_id: string; n: number }>("SELECT account_id, count(*) AS n FROM devices GROUP BY account_id")) {
    if (a.n > limits.maxDevices) problem(`account ${a.account_id}: ${a.n} devices, above the limit of ${limits.maxDevices}`);
  }
}

function checkKeys(each: Each, limits: StoreConsistencyLimits, problem: Problem): void {
  for (const k of each<{ account_id: string; device_id: number; kind: string; key_id: number; public_key: Uint8Array; sig: number }>(
    "SELECT account_id, device_id, kind, key_id, public_key, length(signature) AS sig FROM signed_prekeys",
  )) {
    const name = `${k.kind} key of ${k.account_id}.${k.device_id}`;
    const valid = k.kind === "signed" ? isEcKey(k.public_key) : isKyberKey(k.public_key);
    if (!valid || k.sig !== signatureBytes || !isKeyId(k.key_id)) problem(`${name}: malformed key, signature or key id`);
  }
  for (const k of each<{ seq: number; key_id: number; public_key: Uint8Array }>("SELECT seq, key_id, public_key FROM one_time_prekeys")) {
    if (!isEcKey(k.public_key) || !isKeyId(k.key_id)) problem(`one-time prekey row ${k.seq}: malformed key or key id`);
  }
  for (const k of each<{ seq: number; key_id: number; public_key: Uint8Array; sig: number }>("SELECT seq, key_id, public_key, length(signature) AS sig FROM kyber_prekeys")) {
    if (!isKyberKey(k.public_key) || k.sig !== signatureBytes || !isKeyId(k.key_id)) problem(`Kyber prekey row ${k.seq}: malformed key, signature or key id`);
  }
  for (const table of ["one_time_prekeys", "kyber_prekeys"]) {
    for (const c of each<{ account_id: string; device_id: number; n: number }>(`SELECT account_id, device_id, count(*) AS n FROM ${table} GROUP BY account_id, device_id`)) {
      if (c.n > limits.maxStoredKeys) problem(`${table} of ${c.account_id}.${c.device_id}: ${c.n} keys, above the limit of ${limits.maxStoredKeys}`);
    }
  }
}

function checkMailbox(each: Each, limits: StoreConsistencyLimits, problem: Problem): void {
  // Read first: the connection runs one statement at a time, and the scan below stays open.
  const knownAccounts = new Set<string>();
  for (const a of each<{ id: string }>("SELECT id FROM accounts")) knownAccounts.add(a.id);
  const entries = each<{ seq: number; id: Uint8Array; account_id: string; device_id: number; data: Uint8Array; device_exists: number }>(
    `SELECT m.seq, m.id, m.account_id, m.device_id, m.data,
       EXISTS (SELECT 1 FROM devices d WHERE d.account_id = m.account_id AND d.id = m.device_id) AS device_exists
     FROM mailbox_entries m ORDER BY m.seq`,
  );
  for (const m of entries) {
    const name = `mailbox entry ${m.seq}`;
    if (m.device_exists !== 1) problem(`${name}: addressed to device ${m.account_id}.${m.device_id}, which does not exist`);
    let envelope;
    try {
      envelope = decodeEnvelope(m.data);
    } catch {
      problem(`${name}: does not decode as an envelope`);
      continue;
    }
    if (!sameBytes(envelope.id, m.id)) problem(`${name}: envelope id differs from the entry's id`);
    if (envelope.destinationDevice !== m.device_id) problem(`${name}: envelope names destination device ${envelope.destinationDevice}, stored for ${m.device_id}`);
    if (!knownAccounts.has(envelope.sourceAccount)) problem(`${name}: source account is not an account`);
    if (!(envelope.sourceDevice >= 1 && envelope.sourceDevice <= 127)) problem(`${name}: source device out of range`);
    if (envelope.content.length === 0 || envelope.content.length > limits.maxEnvelopeBytes) problem(`${name}: content of ${envelope.content.length} bytes`);
    if (envelope.ephemeral) problem(`${name}: an ephemeral envelope was stored`);
    if (!Number.isSafeInteger(envelope.clientTimestamp) || !Number.isSafeInteger(envelope.serverTimestamp)) problem(`${name}: timestamp out of range`);
  }
}

function checkDeviceLists(each: Each, problem: Problem): void {
  for (const l of each<{ account_id: string; version: number; statement: number; sig: number }>(
    "SELECT account_id, version, length(statement) AS statement, length(signature) AS sig FROM device_lists",
  )) {
    const valid = Number.isSafeInteger(l.version) && l.version >= 1 && l.statement <= 8192 && l.sig === signatureBytes;
    if (!valid) problem(`device list of ${l.account_id}: version, statement size or signature size out of range`);
  }
}

function checkVerificationSessions(each: Each, problem: Problem): void {
  for (const s of each<{ id: string; identifier_kind: string; identifier: string; code: number; created_at: number; expires_at: number; attempts: number; verified: number }>(
    "SELECT id, identifier_kind, identifier, length(code_hash) AS code, created_at, expires_at, attempts, verified FROM verification_sessions",
  )) {
    const name = `verification session ${s.id}`;
    if (!isCanonicalIdentifier(s.identifier_kind, s.identifier)) problem(`${name}: identifier is not in canonical ${s.identifier_kind} form`);
    if (s.code !== 32 || s.attempts < 0 || s.expires_at <= s.created_at || (s.verified !== 0 && s.verified !== 1)) {
      problem(`${name}: code hash, attempts, expiry or verified flag out of range`);
    }
  }
}

function isCanonicalIdentifier(kind: string, value: string): boolean {
  if (kind === "username") return normalizeUsername(value) === value;
  return kind === "phone" && e164Pattern.test(value);
}

function isEcKey(bytes: Uint8Array): boolean {
  return bytes.length === ecKeyBytes && bytes[0] === 0x05;
}

function isKyberKey(bytes: Uint8Array): boolean {
  return bytes.length === kyberKeyBytes && bytes[0] === 0x08;
}

function isKeyId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= maxKeyId;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
