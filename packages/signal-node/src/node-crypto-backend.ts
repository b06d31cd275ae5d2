// The Node backend of @parley/signal (docs/adr/0008-crypto-backend-port.md): the same operations
// as the isomorphic default, from node:crypto's synchronous API. It saves WebCrypto's per-call
// job and promise overhead (20-30 µs per Curve25519 operation on the reference machine) and runs
// hashing and AES natively; the protocol code and every byte it produces stay the same.
import { useCryptoBackend, type CryptoBackend } from "@parley/signal/backend";
import { nodeCurves } from "./node-curves.js";
import { nodeSymmetric } from "./node-symmetric.js";

export const nodeCryptoBackend: CryptoBackend = Object.freeze({ name: "node", curves: nodeCurves, symmetric: nodeSymmetric });

/** Installs the Node backend for this process (call once at start-up, before any key is used). */
export function useNodeCrypto(): void {
  useCryptoBackend(nodeCryptoBackend);
}
