// The store contracts once more on a SQLCipher-encrypted file: encryption must change nothing
// the stores guarantee. A raw key (x'<64 hex digits>') skips the passphrase derivation, which
// would cost a few hundred milliseconds per open.
import { join } from "node:path";
import { describeStoresContract, tempDir } from "@parley/testkit";
import { openSqliteStores } from "../src/adapters/sql/index.js";

describeStoresContract("SQLite file, encrypted", async () => {
  const dir = await tempDir();
  const stores = await openSqliteStores({ path: join(dir.path, "parley.db"), key: `x'${"ab".repeat(32)}'` });
  return {
    stores,
    teardown: async () => {
      await stores.close();
      await dir.cleanup();
    },
  };
});
