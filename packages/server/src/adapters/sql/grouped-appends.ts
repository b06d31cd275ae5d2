// PostgreSQL: the appends of one event-loop turn in a single statement, so a turn's envelopes
// share one round trip and one commit (one WAL flush) instead of one each. The statement bumps
// every device's counter once (in device order, so concurrent statements lock counters in the
// same order and cannot deadlock), numbers each device's envelopes after it in request order,
// and inserts them; it is one transaction, so it commits whole or not at all. When it fails (a
// device removed meanwhile, say), each append of the turn runs again on its own, so one bad
// append rejects only its own caller.
import { CompiledQuery } from "kysely";
import type { NewEnvelope } from "../../ports/mailbox-store.js";
import type { SqlExecutor } from "./sql-executor.js";
import { TurnBatcher, type Outcome } from "./turn-batcher.js";

const appendMany = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::integer[], $3::bytea[], $4::bytea[], $5::bigint[]) WITH ORDINALITY
    AS t(account_id, device_id, id, data, received_at, k)
), counts AS (
  SELECT account_id, device_id, count(*) AS n FROM input GROUP BY account_id, device_id
), bumped AS (
  INSERT INTO mailbox_sequences AS s (account_id, device_id, last_seq)
  SELECT account_id, device_id, n FROM counts ORDER BY account_id, device_id
  ON CONFLICT (account_id, device_id) DO UPDATE SET last_seq = s.last_seq + excluded.last_seq
  RETURNING s.account_id, s.device_id, s.last_seq
)
INSERT INTO mailbox_entries (seq, id, account_id, device_id, data, received_at)
SELECT b.last_seq - c.n + row_number() OVER (PARTITION BY i.account_id, i.device_id ORDER BY i.k), i.id, i.account_id, i.device_id, i.data, i.received_at
FROM input AS i
JOIN counts AS c ON c.account_id = i.account_id AND c.device_id = i.device_id
JOIN bumped AS b ON b.account_id = i.account_id AND b.device_id = i.device_id
RETURNING seq, account_id, device_id, id`;

interface Row {
  readonly seq: number;
  readonly account_id: string;
  readonly device_id: number;
  readonly id: Uint8Array;
}

const keyOf = (accountId: string, deviceId: number, id: Uint8Array) => `${accountId}:${deviceId}:${Buffer.from(id).toString("hex")}`;

export class GroupedAppends {
  readonly #batcher: TurnBatcher<readonly NewEnvelope[], number[]>;

  /** `appendAlone` is the one-append path, used when a group fails. */
  constructor(executor: SqlExecutor, appendAlone: (envelopes: readonly NewEnvelope[]) => Promise<number[]>) {
    const alone = async (append: readonly NewEnvelope[]): Promise<Outcome<number[]>> =>
      appendAlone(append).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    this.#batcher = new TurnBatcher(async (appends) => {
      if (appends.length === 1) return [await alone(appends[0]!)];
      const envelopes = appends.flat();
      let rows: Row[];
      try {
        [{ rows }] = await executor.batch([
          CompiledQuery.raw(appendMany, [
            envelopes.map((e) => e.accountId),
            envelopes.map((e) => e.deviceId),
            envelopes.map((e) => e.id),
            envelopes.map((e) => e.data),
            envelopes.map((e) => e.receivedAt),
          ]) as CompiledQuery<Row>,
        ]);
      } catch {
        // One statement: nothing of the group was stored. Each append runs again on its own, in
        // request order, and gets its own outcome.
        const outcomes: Outcome<number[]>[] = [];
        for (const append of appends) outcomes.push(await alone(append));
        return outcomes;
      }
      const seqs = new Map(rows.map((row) => [keyOf(row.account_id, row.device_id, row.id), row.seq]));
      return appends.map((append): Outcome<number[]> => {
        const result: number[] = [];
        for (const e of append) {
          const seq = seqs.get(keyOf(e.accountId, e.deviceId, e.id));
          if (seq === undefined) return { error: new Error("the grouped insert reported no seq for an envelope") };
          result.push(seq);
        }
        return { value: result };
      });
    });
  }

  append(envelopes: readonly NewEnvelope[]): Promise<number[]> {
    return this.#batcher.request(envelopes);
  }
}
