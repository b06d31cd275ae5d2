/**
 * The SQL dialect the shared store classes compile for. Kysely hides most differences; the few it
 * cannot are decided on this, in the store classes' query factories:
 *
 * - Mailbox seqs. SQLite commits one writer at a time, so a global AUTOINCREMENT rowid commits in
 *   seq order and the executor reports it as lastInsertId. PostgreSQL commits concurrent
 *   transactions in any order, so each device has a counter row (`mailbox_sequences`) that an
 *   append increments and keeps locked until it commits: appends to one device commit in seq
 *   order (see MailboxStore). Seqs are then per device, not unique across the table.
 * - Claiming the oldest one-time key. PostgreSQL needs FOR UPDATE in the subquery, so that a
 *   claim blocked behind a concurrent one moves on to the next key instead of finding its row gone
 *   and claiming nothing; SQLite has no such clause (and no concurrent writer).
 */
export type SqlDialect = "sqlite" | "postgres";
