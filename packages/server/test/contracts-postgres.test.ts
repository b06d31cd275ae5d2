import { describeFactorStoreContract, describeOidcStoreContract, describeStoresContract, describeWithPostgres, postgresStoresFactory } from "@parley/testkit";
import { openPostgresStores } from "../src/adapters/sql/postgres/index.js";

await describeWithPostgres("PostgreSQL stores", (url) => {
  describeStoresContract("PostgreSQL", postgresStoresFactory(url, openPostgresStores));
});

await describeWithPostgres("PostgreSQL OIDC store", (url) => {
  describeOidcStoreContract("PostgreSQL", postgresStoresFactory(url, openPostgresStores));
});

await describeWithPostgres("PostgreSQL factor store", (url) => {
  describeFactorStoreContract("PostgreSQL", postgresStoresFactory(url, openPostgresStores));
});
