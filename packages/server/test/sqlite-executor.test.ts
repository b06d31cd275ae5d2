import { join } from "node:path";
import { CompiledQuery, type Generated } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "@parley/testkit";
import {
  createSqliteQueryBuilder,
  runMigrations,
  SqliteExecutor,
  sqliteMigrations,
} from "../src/adapters/sql/index.js";

const insert = (value: number) => CompiledQuery.raw("INSERT INTO items (value) VALUES (?)", [value]);
const values = CompiledQuery.raw("SELECT value FROM items ORDER BY value") as CompiledQuery<{ value: number }>;

describe("SqliteExecutor", () => {
  let dir: TempDir;
  let executor: SqliteExecutor;

  beforeEach(async () => {
    dir = await tempDir();
    executor = new SqliteExecutor({ path: join(dir.path, "test.db") });
    await executor.batch([CompiledQuery.raw("CREATE TABLE items (value INTEGER NOT NULL UNIQUE)")]);
  });
  afterEach(async () => {
    await executor.close();
    await dir.cleanup();
  });

  it("returns each statement's rows and changes from a batch", async () => {
    const [inserted, returned] = await executor.batch([
      insert(1),
      CompiledQuery.raw("INSERT INTO items (value) VALUES (2), (3) RETURNING value") as CompiledQuery<{ value: number }>,
    ]);
    expect(inserted).toEqual({ rows: [], changes: 1 });
    expect(returned.rows).toEqual([{ value: 2 }, { value: 3 }]);
  });

  it("reports the key of the row a built insert added, and none for other statements", async () => {
    await executor.batch([CompiledQuery.raw("CREATE TABLE keyed (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")]);
    const db = createSqliteQueryBuilder().withTables<{ keyed: { id: Generated<number>; value: number } }>();
    const [first, second, update] = await executor.batch([
      db.insertInto("keyed").values({ value: 10 }).compile(),
      db.insertInto("keyed").values({ value: 20 }).compile(),
      db.updateTable("keyed").set({ value: 30 }).where("value", "=", 20).compile(),
    ]);
    expect(first.lastInsertId).toBe(1);
    expect(second.lastInsertId).toBe(2);
    expect(update).toEqual({ rows: [], changes: 1 });
  });

  it("applies none of a batch whose statement fails", async () => {
    await expect(executor.batch([insert(1), insert(1)])).rejects.toThrow(/UNIQUE/);
    expect(await executor.query(values)).toEqual([]);
  });

  it("rolls back an interactive transaction whose function throws", async () => {
    const failing = executor.transaction(async (tx) => {
      await tx.execute(insert(1));
      throw new Error("changed my mind");
    });
    await expect(failing).rejects.toThrow("changed my mind");
    expect(await executor.query(values)).toEqual([]);
  });

  it("makes reads issued during a transaction wait for its commit", async () => {
    let readDuring: Promise<{ value: number }[]> | undefined;
    await executor.transaction(async (tx) => {
      await tx.execute(insert(1));
      readDuring = executor.query(values);
      await tx.execute(insert(2));
    });
    expect(await readDuring).toEqual([{ value: 1 }, { value: 2 }]);
  });

  it("commits batches queued during a transaction after it, never inside it", async () => {
    let queued: Promise<unknown> | undefined;
    const transaction = executor.transaction(async (tx) => {
      queued = executor.batch([insert(2)]);
      await tx.execute(insert(1));
      throw new Error("roll back");
    });
    await expect(transaction).rejects.toThrow("roll back");
    await queued;
    expect(await executor.query(values)).toEqual([{ value: 2 }]);
  });

  it("runs interactive transactions one at a time", async () => {
    const order: string[] = [];
    const step = (name: string) =>
      executor.transaction(async (tx) => {
        order.push(`${name} begins`);
        await tx.execute(CompiledQuery.raw("SELECT 1"));
        order.push(`${name} ends`);
      });
    await Promise.all([step("a"), step("b")]);
    expect(order).toEqual(["a begins", "a ends", "b begins", "b ends"]);
  });

  it("rejects calls after close", async () => {
    await executor.close();
    await expect(executor.batch([insert(1)])).rejects.toThrow(/closed/);
    await expect(executor.query(values)).rejects.toThrow(/closed/);
  });

  it("applies each migration once", async () => {
    const db = createSqliteQueryBuilder();
    expect(await runMigrations(executor, db, sqliteMigrations)).toEqual(sqliteMigrations.map((migration) => migration.id));
    expect(await runMigrations(executor, db, sqliteMigrations)).toEqual([]);
    await expect(runMigrations(executor, db, [])).rejects.toThrow(/does not know/);
  });

  it("brings a database of an earlier version up to date with the later migrations only", async () => {
    const db = createSqliteQueryBuilder();
    expect(await runMigrations(executor, db, sqliteMigrations.slice(0, 1))).toEqual([1]);
    expect(await runMigrations(executor, db, sqliteMigrations)).toEqual(sqliteMigrations.slice(1).map((migration) => migration.id));
  });
});

describe("SqliteExecutor with commitIntervalMs", () => {
  let dir: TempDir;
  let executor: SqliteExecutor;
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  beforeEach(async () => {
    dir = await tempDir();
    executor = new SqliteExecutor({ path: join(dir.path, "paced.db"), commitIntervalMs: 1000 });
    await executor.batch([CompiledQuery.raw("CREATE TABLE items (value INTEGER NOT NULL UNIQUE)")]);
  });
  afterEach(async () => {
    await executor.close();
    await dir.cleanup();
  });

  it("holds batches of later turns until the interval has passed, then commits them together, in order", async () => {
    const settled: number[] = [];
    const first = executor.batch([insert(1)]).then(() => settled.push(1));
    await turn();
    const second = executor.batch([insert(2)]).then(() => settled.push(2));
    await turn();
    await turn();
    // Both wait for the interval that the table's creation started; nothing is visible yet.
    expect(settled).toEqual([]);
    expect(await executor.query(values)).toEqual([]);
    await Promise.all([first, second]);
    expect(settled).toEqual([1, 2]);
    expect(await executor.query(values)).toEqual([{ value: 1 }, { value: 2 }]);
  });

  it("fails only the batch that fails when a paced group is retried alone", async () => {
    const good = executor.batch([insert(1)]);
    const bad = executor.batch([insert(2), insert(2)]);
    await expect(bad).rejects.toThrow(/UNIQUE/);
    await expect(good).resolves.toHaveLength(1);
    expect(await executor.query(values)).toEqual([{ value: 1 }]);
  });

  it("commits what is queued when it closes, without waiting for the interval", async () => {
    const pending = executor.batch([insert(7)]);
    await executor.close();
    await expect(pending).resolves.toHaveLength(1);
    executor = new SqliteExecutor({ path: join(dir.path, "paced.db") });
    expect(await executor.query(values)).toEqual([{ value: 7 }]);
  });
});
