// @parley/signal-node: a crypto backend for @parley/signal on Node, built on node:crypto.
export { nodeCryptoBackend, useNodeCrypto } from "./node-crypto-backend.js";
