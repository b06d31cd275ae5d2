// Cluster-mode bus. Imported lazily by the composition root, so a single-node start never loads
// the nats client.
export { connectNatsBus, NatsConnectError, type NatsBusOptions } from "./connect-nats-bus.js";
export { NatsBus, type NatsBusStats } from "./nats-bus.js";
