// An Ed25519 key pair that is public on purpose (RFC 8032, seed of 32 zero bytes). Signing with
// it serves as a native fixed-base multiplication whose scalar the signer can recover (xeddsa.ts:
// XEdDSA nonces and key generation); nothing depends on the key being secret.
import { fromHex } from "./bytes.js";

export const PUBLIC_ED25519_SEED = new Uint8Array(32);
export const PUBLIC_ED25519_KEY = fromHex("3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29");
