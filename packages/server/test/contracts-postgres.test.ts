import { describeStoresContract, describeWithPostgres, postgresStoresFactory } from "@parley/testkit";
import { openPostgresStores } from "../src/adapters/sql/postgres/index.js";

await describeWithPostgres("PostgreSQL stores", (url) => {
  describeStoresContract("PostgreSQL", postgresStoresFactory(url, openPostgresStores));
});
