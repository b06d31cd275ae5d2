import { CompiledQuery } from "kysely";

/*
 * Transaction-scoped advisory locks (released at COMMIT or ROLLBACK, so never leaked by a crashed
 * node). Keys are (class, object) pairs of int4: the class names what is locked, the object the
 * schema, so deployments (and test runs) in different schemas of one database do not wait on one
 * another. current_schema() is the schema the tables live in (the first existing one on the
 * search_path); coalesce keeps the key defined when there is none.
 */

/** Class of the lock held by a running migration ("parl" in ASCII). */
const MIGRATION_CLASS = 0x7061726c;
/** Class of the lock held by a running interactive transaction ("part"). */
const TRANSACTION_CLASS = 0x70617274;

function lockOf(lockClass: number): CompiledQuery<unknown> {
  return CompiledQuery.raw(`SELECT pg_advisory_xact_lock(${lockClass}, hashtext(coalesce(current_schema(), '')))`);
}

/** Taken first in the migration transaction: nodes starting together migrate one at a time. */
export const migrationLock = lockOf(MIGRATION_CLASS);

/** Taken first in every interactive transaction: they run one at a time across all nodes. */
export const transactionLock = lockOf(TRANSACTION_CLASS);
