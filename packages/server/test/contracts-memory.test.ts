import { describeBusContract, describeStoresContract } from "@parley/testkit";
import { createMemoryStores, InProcessBus } from "../src/adapters/memory/index.js";

describeStoresContract("in-memory", async () => {
  const stores = createMemoryStores();
  return { stores, teardown: () => stores.close() };
});

describeBusContract("in-process", async () => {
  const bus = new InProcessBus();
  return { publisher: bus, subscriber: bus, teardown: () => bus.close() };
});
