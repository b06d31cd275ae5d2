import { describeBusContract, describeSkipped, natsTestTarget, uniqueSubjectPrefix } from "@parley/testkit";
import { connectNatsBus } from "../src/adapters/nats/index.js";

const nats = await natsTestTarget();

if (nats.available) {
  // Two connections on one fresh prefix: two nodes of one deployment, alone on the server.
  describeBusContract("NATS", async () => {
    const prefix = uniqueSubjectPrefix();
    const publisher = await connectNatsBus({ servers: nats.url, prefix, name: "contract-publisher" });
    try {
      const subscriber = await connectNatsBus({ servers: nats.url, prefix, name: "contract-subscriber" });
      return { publisher, subscriber, teardown: async () => void (await Promise.all([publisher.close(), subscriber.close()])) };
    } catch (error) {
      await publisher.close();
      throw error;
    }
  });
} else {
  describeSkipped("Bus contract: NATS", nats.skipReason);
}
