import type { Kysely } from "kysely";
import type { NewEnvelope } from "../../ports/index.js";
import type { Database } from "./database.js";
import { queryTemplate } from "./query-template.js";

interface DeviceArgs {
  readonly accountId: string;
  readonly deviceId: number;
}

/** The mailbox statements both dialects share, compiled once (see queryTemplate). */
export function mailboxQueries(db: Kysely<Database>) {
  const ofDevice = (a: DeviceArgs) =>
    db.selectFrom("mailbox_entries").where("account_id", "=", a.accountId).where("device_id", "=", a.deviceId);
  return {
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
    depth: db.selectFrom("mailbox_entries").select((eb) => eb.fn.countAll<number>().as("count")).compile(),
    clear: queryTemplate((a: DeviceArgs) =>
      db.deleteFrom("mailbox_entries").where("account_id", "=", a.accountId).where("device_id", "=", a.deviceId),
    ),
  };
}

/** SQLite: seq is the table's global AUTOINCREMENT rowid. */
export function sqliteMailboxQueries(db: Kysely<Database>) {
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
    // A LIMIT inside a subquery, because default SQLite builds have no DELETE ... LIMIT.
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

/** PostgreSQL: seq comes from the device's row in mailbox_sequences (see SqlDialect). */
export function postgresMailboxQueries(db: Kysely<Database>) {
  return {
    // One statement: take the device's next seq (creating its counter at 1) and insert with it.
    // The counter row stays locked until the transaction ends, so a second append to the device
    // waits here and takes the next seq only once the first has committed or rolled back. The
    // counter has no foreign key: it outlives its device, so a device re-created with the same id
    // (re-registration) continues above every seq its predecessor handed out.
    insert: queryTemplate((a: NewEnvelope) =>
      db
        .with("next_seq", (qc) =>
          qc
            .insertInto("mailbox_sequences")
            .values({ account_id: a.accountId, device_id: a.deviceId, last_seq: 1 })
            .onConflict((oc) =>
              oc
                .columns(["account_id", "device_id"])
                .doUpdateSet((eb) => ({ last_seq: eb(eb.ref("mailbox_sequences.last_seq"), "+", 1) })),
            )
            .returning("last_seq"),
        )
        .insertInto("mailbox_entries")
        .columns(["seq", "id", "account_id", "device_id", "data", "received_at"])
        .expression((eb) =>
          eb
            .selectFrom("next_seq")
            .select((inner) => [
              "last_seq",
              inner.val(a.id).as("id"),
              inner.val(a.accountId).as("account_id"),
              inner.val(a.deviceId).as("device_id"),
              inner.val(a.data).as("data"),
              inner.val(a.receivedAt).as("received_at"),
            ]),
        )
        .returning("seq"),
    ),
    // Seqs repeat across devices, so an entry is named by device and seq.
    purge: queryTemplate((a: { cutoff: number; limit: number }) =>
      db
        .deleteFrom("mailbox_entries")
        .where((eb) =>
          eb(
            eb.refTuple("account_id", "device_id", "seq"),
            "in",
            eb
              .selectFrom("mailbox_entries")
              .select(["account_id", "device_id", "seq"])
              .where("received_at", "<", a.cutoff)
              .orderBy("received_at")
              .limit(a.limit)
              .$asTuple("account_id", "device_id", "seq"),
          ),
        ),
    ),
  };
}
