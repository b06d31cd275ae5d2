import type { Kysely } from "kysely";
import type { Stores } from "../../ports/index.js";
import type { Database } from "./database.js";
import { SqlAccountStore } from "./sql-account-store.js";
import type { SqlDialect } from "./sql-dialect.js";
import type { SqlExecutor } from "./sql-executor.js";
import { SqlKeyStore } from "./sql-key-store.js";
import { SqlMailboxStore } from "./sql-mailbox-store.js";
import { SqlOidcStore } from "./sql-oidc-store.js";
import { SqlVerificationStore } from "./sql-verification-store.js";
import { SqlFactorStore } from "./sql-factor-store.js";

/**
 * The four stores over one executor and a compile-only kysely instance of `dialect`. The schema
 * must already be migrated. `close` closes the executor, which first finishes queued writes.
 */
export function createSqlStores(executor: SqlExecutor, db: Kysely<Database>, dialect: SqlDialect = "sqlite"): Stores {
  const ping = db.selectNoFrom((eb) => eb.val(1).as("one")).compile();
  return {
    accounts: new SqlAccountStore(executor, db),
    keys: new SqlKeyStore(executor, db, dialect),
    mailbox: new SqlMailboxStore(executor, db, dialect),
    verification: new SqlVerificationStore(executor, db),
    factors: new SqlFactorStore(executor, db),
    oidc: new SqlOidcStore(executor, db),
    ping: async () => {
      await executor.query(ping);
    },
    close: () => executor.close(),
  };
}
