import { join } from "node:path";
import { describeKeyStoreContract, describeMailboxStoreContract, tempDir, type StoresFactory } from "@parley/testkit";
import { openSqliteStores } from "../src/adapters/sql/index.js";

// The contracts whose tests spread work over peers (mailbox cursor, concurrent claims), with each
// peer a connection of its own to the same SQLite file.
const sharedFile: StoresFactory = async () => {
  const dir = await tempDir();
  const path = join(dir.path, "parley.db");
  const stores = await openSqliteStores({ path });
  return {
    stores,
    openPeer: () => openSqliteStores({ path }),
    teardown: async () => {
      await stores.close();
      await dir.cleanup();
    },
  };
};

describeMailboxStoreContract("SQLite file, several connections", sharedFile);
describeKeyStoreContract("SQLite file, several connections", sharedFile);
