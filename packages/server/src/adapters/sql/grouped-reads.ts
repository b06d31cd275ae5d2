// PostgreSQL: the mailbox reads of every device made during one event-loop turn, in a single
// statement (a lateral join runs each device's indexed range scan): a delivery wake-up reaches
// many devices at once, and a round trip each would cost more than the reads.
import { CompiledQuery } from "kysely";
import type { DeviceAddress } from "../../ports/device-address.js";
import type { StoredEnvelope } from "../../ports/mailbox-store.js";
import type { SqlExecutor } from "./sql-executor.js";
import { storedEnvelopeOf } from "./sql-values.js";
import { TurnBatcher } from "./turn-batcher.js";

const readMany = `SELECT t.k, e.seq, e.id, e.account_id, e.device_id, e.data, e.received_at
FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::integer[]) WITH ORDINALITY AS t(account_id, device_id, after_seq, lim, k)
CROSS JOIN LATERAL (
  SELECT seq, id, account_id, device_id, data, received_at FROM mailbox_entries AS m
  WHERE m.account_id = t.account_id AND m.device_id = t.device_id AND m.seq > t.after_seq
  ORDER BY m.seq LIMIT t.lim
) AS e
ORDER BY t.k, e.seq`;

interface Row {
  readonly k: number;
  readonly seq: number;
  readonly id: Uint8Array;
  readonly account_id: string;
  readonly device_id: number;
  readonly data: Uint8Array;
  readonly received_at: number;
}

interface Read {
  readonly device: DeviceAddress;
  readonly afterSeq: number;
  readonly limit: number;
}

export class GroupedReads {
  readonly #batcher: TurnBatcher<Read, StoredEnvelope[]>;

  constructor(executor: SqlExecutor) {
    this.#batcher = new TurnBatcher(async (reads) => {
      const rows = await executor.query(
        CompiledQuery.raw(readMany, [
          reads.map((r) => r.device.accountId),
          reads.map((r) => r.device.deviceId),
          reads.map((r) => r.afterSeq),
          reads.map((r) => r.limit),
        ]) as CompiledQuery<Row>,
      );
      const results = reads.map((): StoredEnvelope[] => []);
      for (const row of rows) {
        results[Number(row.k) - 1]!.push(storedEnvelopeOf(row));
      }
      return results.map((value) => ({ value }));
    });
  }

  /** `device`'s entries after `afterSeq`, read with the other reads of this turn. */
  read(device: DeviceAddress, afterSeq: number, limit: number): Promise<StoredEnvelope[]> {
    return this.#batcher.request({ device, afterSeq, limit });
  }
}
