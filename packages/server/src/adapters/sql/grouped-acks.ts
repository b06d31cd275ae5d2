// PostgreSQL: the acknowledgements of every device made during one event-loop turn, deleted with
// a single statement: each statement is a round trip and a socket write, which cost more than
// the delete itself when many devices acknowledge at once.
import { CompiledQuery } from "kysely";
import type { DeviceAddress } from "../../ports/device-address.js";
import type { SqlExecutor } from "./sql-executor.js";
import { TurnBatcher } from "./turn-batcher.js";

/**
 * Rows go in sorted by device and seq, so concurrent groups lock shared rows in the same order.
 * Returns the deleted rows' devices, so each caller learns how many of its own were there.
 */
const deleteMany = `DELETE FROM mailbox_entries AS m
USING (SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS t(account_id, device_id, seq) ORDER BY 1, 2, 3) AS t
WHERE m.account_id = t.account_id AND m.device_id = t.device_id AND m.seq = t.seq
RETURNING m.account_id, m.device_id`;

interface Ack {
  readonly device: DeviceAddress;
  readonly seqs: readonly number[];
}

export class GroupedAcks {
  readonly #batcher: TurnBatcher<Ack, number>;

  constructor(executor: SqlExecutor) {
    this.#batcher = new TurnBatcher(async (acks) => {
      const rows = acks.flatMap(({ device, seqs }) => seqs.map((seq) => [device.accountId, device.deviceId, seq] as const));
      const [result] = await executor.batch([
        CompiledQuery.raw(deleteMany, [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]) as CompiledQuery<{
          account_id: string;
          device_id: number;
        }>,
      ]);
      const deleted = new Map<string, number>();
      for (const row of result.rows) {
        const key = `${row.account_id}:${row.device_id}`;
        deleted.set(key, (deleted.get(key) ?? 0) + 1);
      }
      // A device may appear twice in a group; its first caller is told the whole count.
      return acks.map(({ device }) => {
        const key = `${device.accountId}:${device.deviceId}`;
        const count = deleted.get(key) ?? 0;
        deleted.delete(key);
        return { value: count };
      });
    });
  }

  /** Deletes `seqs` of `device` with the other acknowledgements of this turn; resolves with how many existed. */
  ack(device: DeviceAddress, seqs: readonly number[]): Promise<number> {
    return this.#batcher.request({ device, seqs });
  }
}
