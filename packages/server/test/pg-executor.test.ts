import { CompiledQuery } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTestSchema, describeWithPostgres, waitFor, type TestSchema } from "@parley/testkit";
import { PgExecutor } from "../src/adapters/sql/postgres/index.js";

const insert = (value: number) => CompiledQuery.raw("INSERT INTO items (value) VALUES ($1)", [value]);
const values = CompiledQuery.raw("SELECT value FROM items ORDER BY value") as CompiledQuery<{ value: number }>;

await describeWithPostgres("PgExecutor", (url) => {
  let schema: TestSchema;
  const executors: PgExecutor[] = [];

  /** An executor on the test's schema; `name` tags its connections in pg_stat_activity. */
  function open(options: { max?: number; name?: string } = {}): PgExecutor {
    const executor = new PgExecutor({
      connectionString: url,
      max: options.max ?? 4,
      options: `-c search_path=${schema.name}`,
      application_name: options.name ?? "parley-test",
    });
    executors.push(executor);
    return executor;
  }

  beforeEach(async () => {
    schema = await createTestSchema(url);
    await open().batch([CompiledQuery.raw("CREATE TABLE items (value BIGINT NOT NULL UNIQUE, data BYTEA)")]);
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((executor) => executor.close()));
    await schema.drop();
  });

  it("returns BIGINT as a number and BYTEA as a plain Uint8Array", async () => {
    const executor = open();
    const data = new Uint8Array([0, 1, 254, 255]);
    await executor.batch([CompiledQuery.raw("INSERT INTO items (value, data) VALUES ($1, $2)", [2 ** 53 - 1, data])]);
    const [row] = await executor.query(CompiledQuery.raw("SELECT value, data FROM items") as CompiledQuery<{ value: unknown; data: unknown }>);
    expect(row?.value).toBe(2 ** 53 - 1);
    expect(row?.data).toBeInstanceOf(Uint8Array);
    expect((row?.data as Uint8Array).constructor).toBe(Uint8Array);
    expect(row?.data).toEqual(data);
  });

  it("refuses to read a BIGINT beyond 2^53 rather than round it", async () => {
    const executor = open();
    await executor.batch([CompiledQuery.raw("INSERT INTO items (value) VALUES (9007199254740993)")]);
    await expect(executor.query(values)).rejects.toThrow(/2\^53/);
    expect(await executor.query(CompiledQuery.raw("SELECT 1 AS one"))).toEqual([{ one: 1 }]);
  });

  it("returns each statement's rows and changes from a batch", async () => {
    const executor = open();
    const [inserted, returned, updated] = await executor.batch([
      insert(1),
      CompiledQuery.raw("INSERT INTO items (value) VALUES (2), (3) RETURNING value") as CompiledQuery<{ value: number }>,
      CompiledQuery.raw("UPDATE items SET data = $1 WHERE value > 1", [new Uint8Array([7])]),
    ]);
    expect(inserted).toEqual({ rows: [], changes: 1 });
    expect(returned).toEqual({ rows: [{ value: 2 }, { value: 3 }], changes: 2 });
    expect(updated).toEqual({ rows: [], changes: 2 });
  });

  it("applies none of a batch whose statement fails, neither before nor after it", async () => {
    const executor = open();
    await expect(executor.batch([insert(1), insert(1), insert(2)])).rejects.toThrow(/unique/i);
    expect(await executor.query(values)).toEqual([]);
  });

  it("fails only the batch that failed among concurrent ones", async () => {
    const executor = open();
    await executor.batch([insert(1000)]);
    const batches = Array.from({ length: 20 }, (_, i) => executor.batch(i === 7 ? [insert(i), insert(1000)] : [insert(i), insert(100 + i)]));
    const outcomes = await Promise.allSettled(batches);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(batches.map((_, i) => (i === 7 ? "rejected" : "fulfilled")));
    const stored = (await executor.query(values)).map((row) => row.value);
    const expected = Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7);
    expect(stored).toEqual([...expected, ...expected.map((i) => 100 + i), 1000]);
  });

  it("keeps its connection and prepared statements usable after a failed batch", async () => {
    const executor = open({ max: 1 });
    await executor.batch([insert(1)]);
    // The third statement is first prepared inside the aborted transaction, where PostgreSQL
    // refuses to parse it; it must be prepared again when it next runs.
    const later = CompiledQuery.raw("INSERT INTO items (value) VALUES ($1 + 10)", [5]);
    await expect(executor.batch([insert(2), insert(1), later])).rejects.toThrow(/unique/i);
    await executor.batch([insert(3), later]);
    expect((await executor.query(values)).map((row) => row.value)).toEqual([1, 3, 15]);
  });

  it("rejects a parameter it cannot send, before sending anything", async () => {
    const executor = open();
    const bad = CompiledQuery.raw("INSERT INTO items (value) VALUES ($1)", [{ not: "a value" }]);
    await expect(executor.batch([insert(1), bad])).rejects.toThrow(/parameter/);
    expect(await executor.query(values)).toEqual([]);
  });

  it("rolls back an interactive transaction whose function throws", async () => {
    const executor = open();
    const failing = executor.transaction(async (tx) => {
      await tx.execute(insert(1));
      throw new Error("changed my mind");
    });
    await expect(failing).rejects.toThrow("changed my mind");
    expect(await executor.query(values)).toEqual([]);
  });

  it("rolls back a transaction in which a statement failed, even when its function went on", async () => {
    const executor = open();
    const swallowing = executor.transaction(async (tx) => {
      await tx.execute(insert(1));
      await tx.execute(insert(1)).catch(() => undefined);
      return "done";
    });
    await expect(swallowing).rejects.toThrow(/rolled back/);
    expect(await executor.query(values)).toEqual([]);
  });

  it("runs interactive transactions one at a time across executors on one schema", async () => {
    const first = open({ name: `parley-test-first-${schema.name}` });
    const second = open({ name: `parley-test-second-${schema.name}` });
    const observer = open();
    const waiting = CompiledQuery.raw(
      `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = $1`,
      [`parley-test-second-${schema.name}`],
    ) as CompiledQuery<{ n: number }>;
    const order: string[] = [];
    let secondDone: Promise<void> | undefined;
    await first.transaction(async (tx) => {
      order.push("first begins");
      await tx.execute(insert(1));
      secondDone = second.transaction(async (inner) => {
        order.push("second begins");
        await inner.execute(insert(2));
        order.push("second ends");
      });
      // The second transaction is queued behind this one's lock before this one goes on.
      await waitFor(async () => (await observer.query(waiting))[0]?.n === 1, { what: "the second transaction to wait" });
      await tx.execute(insert(3));
      order.push("first ends");
    });
    await secondDone;
    expect(order).toEqual(["first begins", "first ends", "second begins", "second ends"]);
    expect((await observer.query(values)).map((row) => row.value)).toEqual([1, 2, 3]);
  });

  it("finishes work under way before closing, then rejects calls", async () => {
    const executor = open();
    const pending = executor.batch([insert(1), insert(2)]);
    await executor.close();
    await pending;
    await expect(executor.batch([insert(3)])).rejects.toThrow(/closed/);
    await expect(executor.query(values)).rejects.toThrow(/closed/);
    expect((await open().query(values)).map((row) => row.value)).toEqual([1, 2]);
  });
});
