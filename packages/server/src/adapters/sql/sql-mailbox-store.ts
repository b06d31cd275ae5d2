import type { Kysely } from "kysely";
import type { DeviceAddress, MailboxStore, NewEnvelope, StoredEnvelope } from "../../ports/index.js";
import type { Database } from "./database.js";
import { queryTemplate } from "./query-template.js";
import type { SqlExecutor } from "./sql-executor.js";
import { bytes, countOf } from "./sql-values.js";

interface DeviceArgs {
  readonly accountId: string;
  readonly deviceId: number;
}

/** The statements of the mailbox, compiled once (see queryTemplate). */
function mailboxQueries(db: Kysely<Database>) {
  const ofDevice = (a: DeviceArgs) =>
    db.selectFrom("mailbox_entries").where("account_id", "=", a.accountId).where("device_id", "=", a.deviceId);
  return {
    // No RETURNING: the executor reports the new seq (the rowid) as lastInsertId, at less cost.
    insert: queryTemplate((a: NewEnvelope) =>
      db.insertInto("mailbox_entries").values({
        id: a.id,
        account_id: a.accountId,
        device_id: a.deviceId,
        data: a.data,
        received_at: a.receivedAt,
      }),
    ),
    read: queryTemplate((a: DeviceArgs & { afterSeq: number; limit: number }) =>
      ofDevice(a)
        .select(["seq", "id", "account_id", "device_id", "data", "received_at"])
        .where("seq", ">", a.afterSeq)
        .orderBy("seq")
        .limit(a.limit),
    ),
    ack: queryTemplate((a: DeviceArgs & { seq: number }) =>
      db
        .deleteFrom("mailbox_entries")
        .where("account_id", "=", a.accountId)
        .where("device_id", "=", a.deviceId)
        .where("seq", "=", a.seq),
    ),
    count: queryTemplate((a: DeviceArgs) => ofDevice(a).select((eb) => eb.fn.countAll<number>().as("count"))),
    clear: queryTemplate((a: DeviceArgs) =>
      db.deleteFrom("mailbox_entries").where("account_id", "=", a.accountId).where("device_id", "=", a.deviceId),
    ),
    // A LIMIT inside a subquery, because neither PostgreSQL nor default SQLite builds have
    // DELETE ... LIMIT.
    purge: queryTemplate((a: { cutoff: number; limit: number }) =>
      db
        .deleteFrom("mailbox_entries")
        .where("seq", "in", (eb) =>
          eb
            .selectFrom("mailbox_entries")
            .select("seq")
            .where("received_at", "<", a.cutoff)
            .orderBy("received_at")
            .limit(a.limit),
        ),
    ),
  };
}

/**
 * MailboxStore on SQL. An append is one batch (one atomic, durable unit under group commit);
 * acknowledgements are batched deletes keyed by device and seq, so they never touch another
 * device's entries. The table's foreign key refuses envelopes for unknown devices.
 */
export class SqlMailboxStore implements MailboxStore {
  readonly #executor: SqlExecutor;
  readonly #q: ReturnType<typeof mailboxQueries>;

  constructor(executor: SqlExecutor, db: Kysely<Database>) {
    this.#executor = executor;
    this.#q = mailboxQueries(db);
  }

  async append(envelopes: readonly NewEnvelope[]): Promise<number[]> {
    if (envelopes.length === 0) return [];
    const results = await this.#executor.batch(envelopes.map((envelope) => this.#q.insert(envelope)));
    return results.map((result) => {
      const seq = result.lastInsertId;
      if (seq === undefined) throw new Error("the insert reported no seq");
      return seq;
    });
  }

  async read(device: DeviceAddress, afterSeq: number, limit: number): Promise<StoredEnvelope[]> {
    if (limit <= 0) return [];
    const rows = await this.#executor.query(
      this.#q.read({ accountId: device.accountId, deviceId: device.deviceId, afterSeq, limit }),
    );
    return rows.map((row) => ({
      seq: row.seq,
      id: bytes(row.id),
      accountId: row.account_id,
      deviceId: row.device_id,
      data: bytes(row.data),
      receivedAt: row.received_at,
    }));
  }

  async ack(device: DeviceAddress, seqs: readonly number[]): Promise<number> {
    const unique = seqs.length <= 1 ? seqs : [...new Set(seqs)];
    if (unique.length === 0) return 0;
    const { accountId, deviceId } = device;
    const results = await this.#executor.batch(unique.map((seq) => this.#q.ack({ accountId, deviceId, seq })));
    return results.reduce((sum, result) => sum + result.changes, 0);
  }

  async count(device: DeviceAddress): Promise<number> {
    const [row] = await this.#executor.query(
      this.#q.count({ accountId: device.accountId, deviceId: device.deviceId }),
    );
    return row === undefined ? 0 : countOf(row.count);
  }

  async clear(device: DeviceAddress): Promise<void> {
    await this.#executor.batch([this.#q.clear({ accountId: device.accountId, deviceId: device.deviceId })]);
  }

  async purgeExpired(cutoff: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const [result] = await this.#executor.batch([this.#q.purge({ cutoff, limit })]);
    return result.changes;
  }
}
