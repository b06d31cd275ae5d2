import type { Kysely } from "kysely";
import type { DeviceAddress, MailboxStore, NewEnvelope, StoredEnvelope } from "../../ports/index.js";
import type { Database } from "./database.js";
import { mailboxQueries, postgresMailboxQueries, sqliteMailboxQueries } from "./mailbox-queries.js";
import type { SqlDialect } from "./sql-dialect.js";
import type { SqlExecutor } from "./sql-executor.js";
import { GroupedAcks } from "./grouped-acks.js";
import { GroupedAppends } from "./grouped-appends.js";
import { GroupedReads } from "./grouped-reads.js";
import { countOf, storedEnvelopeOf } from "./sql-values.js";

type PostgresQueries = ReturnType<typeof postgresMailboxQueries>;
type DialectQueries =
  | { readonly name: "sqlite"; readonly q: ReturnType<typeof sqliteMailboxQueries> }
  | { readonly name: "postgres"; readonly q: PostgresQueries };

/**
 * MailboxStore on SQL. An append is one batch (one atomic, durable unit); acknowledgements are
 * deletes keyed by device and seq, so they never touch another device's entries. The table's
 * foreign key refuses envelopes for unknown devices. How seqs are handed out depends on the
 * dialect (see SqlDialect).
 */
export class SqlMailboxStore implements MailboxStore {
  readonly #executor: SqlExecutor;
  readonly #q: ReturnType<typeof mailboxQueries>;
  readonly #dialect: DialectQueries;
  /** PostgreSQL: the appends, reads and acknowledgements of one turn share a statement each. */
  readonly #grouped: { readonly appends: GroupedAppends; readonly reads: GroupedReads; readonly acks: GroupedAcks } | undefined;

  constructor(executor: SqlExecutor, db: Kysely<Database>, dialect: SqlDialect = "sqlite") {
    this.#executor = executor;
    this.#q = mailboxQueries(db);
    this.#dialect =
      dialect === "postgres"
        ? { name: dialect, q: postgresMailboxQueries(db) }
        : { name: dialect, q: sqliteMailboxQueries(db) };
    const postgres = this.#dialect.name === "postgres" ? this.#dialect.q : undefined;
    this.#grouped = postgres && {
      appends: new GroupedAppends(executor, (envelopes) => this.#appendLocking(postgres, envelopes)),
      reads: new GroupedReads(executor),
      acks: new GroupedAcks(executor),
    };
  }

  async append(envelopes: readonly NewEnvelope[]): Promise<number[]> {
    if (envelopes.length === 0) return [];
    const dialect = this.#dialect;
    if (this.#grouped) return this.#grouped.appends.append(envelopes);
    const insert = dialect.q.insert;
    const results = await this.#executor.batch(envelopes.map((envelope) => insert(envelope)));
    return results.map((result) => {
      const seq = result.lastInsertId;
      if (seq === undefined) throw new Error("the insert reported no seq");
      return seq;
    });
  }

  /**
   * PostgreSQL: each insert locks its device's counter row until commit. The inserts run sorted by
   * device (stable, so one device's envelopes keep their order), so two appends that share
   * devices lock them in the same order and never deadlock.
   */
  async #appendLocking(q: PostgresQueries, envelopes: readonly NewEnvelope[]): Promise<number[]> {
    const insert = q.insert;
    const order = envelopes.map((_, i) => i).sort((a, b) => compareDevices(envelopes[a], envelopes[b]));
    const results = await this.#executor.batch(order.map((i) => insert(envelopes[i] as NewEnvelope)));
    const seqs = new Array<number>(envelopes.length);
    results.forEach((result, k) => {
      const seq = result.rows[0]?.seq;
      if (seq === undefined) throw new Error("the insert reported no seq");
      seqs[order[k] as number] = seq;
    });
    return seqs;
  }

  async read(device: DeviceAddress, afterSeq: number, limit: number): Promise<StoredEnvelope[]> {
    if (limit <= 0) return [];
    if (this.#grouped) return this.#grouped.reads.read(device, afterSeq, limit);
    const rows = await this.#executor.query(
      this.#q.read({ accountId: device.accountId, deviceId: device.deviceId, afterSeq, limit }),
    );
    return rows.map(storedEnvelopeOf);
  }

  async ack(device: DeviceAddress, seqs: readonly number[]): Promise<number> {
    const unique = seqs.length <= 1 ? seqs : [...new Set(seqs)];
    if (unique.length === 0) return 0;
    if (this.#grouped) return this.#grouped.acks.ack(device, unique);
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

  async depth(): Promise<number> {
    const [row] = await this.#executor.query(this.#q.depth);
    return row === undefined ? 0 : countOf(row.count);
  }

  async clear(device: DeviceAddress): Promise<void> {
    await this.#executor.batch([this.#q.clear({ accountId: device.accountId, deviceId: device.deviceId })]);
  }

  async purgeExpired(cutoff: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const [result] = await this.#executor.batch([this.#dialect.q.purge({ cutoff, limit })]);
    return result.changes;
  }
}

/** Orders by account id, then device id; any fixed total order serves. */
function compareDevices(a: NewEnvelope | undefined, b: NewEnvelope | undefined): number {
  if (a === undefined || b === undefined) return 0;
  if (a.accountId !== b.accountId) return a.accountId < b.accountId ? -1 : 1;
  return a.deviceId - b.deviceId;
}
