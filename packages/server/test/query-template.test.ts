import { describe, expect, it } from "vitest";
import { createSqliteQueryBuilder, queryTemplate } from "../src/adapters/sql/index.js";

describe("queryTemplate", () => {
  const db = createSqliteQueryBuilder();

  it("compiles once and puts each call's arguments where the builder used them", () => {
    const template = queryTemplate((a: { accountId: string; deviceId: number; afterSeq: number }) =>
      db
        .selectFrom("mailbox_entries")
        .select("seq")
        .where("seq", ">", a.afterSeq)
        .where("account_id", "=", a.accountId)
        .where("device_id", "=", a.deviceId)
        .limit(10),
    );
    const first = template({ accountId: "a", deviceId: 2, afterSeq: 7 });
    const second = template({ accountId: "b", deviceId: 3, afterSeq: 0 });
    expect(first.sql).toBe(second.sql);
    expect(first.parameters).toEqual([7, "a", 2, 10]);
    expect(second.parameters).toEqual([0, "b", 3, 10]);
  });

  it("gives the same SQL and parameters as compiling the query directly", () => {
    const build = (a: { id: string }) => db.selectFrom("accounts").selectAll().where("id", "=", a.id);
    const direct = build({ id: "x" }).compile();
    const templated = queryTemplate(build)({ id: "x" });
    expect({ sql: templated.sql, parameters: templated.parameters }).toEqual({
      sql: direct.sql,
      parameters: direct.parameters,
    });
  });
});
