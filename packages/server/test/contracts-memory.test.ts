import { describeBusContract, describeFactorStoreContract, describeOidcStoreContract, describeStoresContract } from "@parley/testkit";
import { createMemoryStores, InProcessBus } from "../src/adapters/memory/index.js";

const memoryStores = async () => {
  const stores = createMemoryStores();
  return { stores, teardown: () => stores.close() };
};

describeStoresContract("in-memory", memoryStores);
describeOidcStoreContract("in-memory", memoryStores);
describeFactorStoreContract("in-memory", memoryStores);

describeBusContract("in-process", async () => {
  const bus = new InProcessBus();
  return { publisher: bus, subscriber: bus, teardown: () => bus.close() };
});
