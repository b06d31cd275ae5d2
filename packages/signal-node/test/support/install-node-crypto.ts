// Setup file of the "signal-on-node-crypto" test project (vitest.config.ts): the protocol
// package's tests run with the Node backend installed.
import { useNodeCrypto } from "../../src/index.js";

useNodeCrypto();
