import { join } from "node:path";
import { describeFactorStoreContract, describeOidcStoreContract, describeStoresContract, tempDir } from "@parley/testkit";
import { openSqliteStores } from "../src/adapters/sql/index.js";

/** A fresh SQLite file per test. */
const sqliteFile = async () => {
  const dir = await tempDir();
  const stores = await openSqliteStores({ path: join(dir.path, "parley.db") });
  return {
    stores,
    teardown: async () => {
      await stores.close();
      await dir.cleanup();
    },
  };
};

describeStoresContract("SQLite file", sqliteFile);

describeOidcStoreContract("SQLite file", sqliteFile);

describeFactorStoreContract("SQLite file", sqliteFile);
