import { join } from "node:path";
import { describeStoresContract, tempDir } from "@parley/testkit";
import { openSqliteStores } from "../src/adapters/sql/index.js";

describeStoresContract("SQLite file", async () => {
  const dir = await tempDir();
  const stores = await openSqliteStores({ path: join(dir.path, "parley.db") });
  return {
    stores,
    teardown: async () => {
      await stores.close();
      await dir.cleanup();
    },
  };
});
