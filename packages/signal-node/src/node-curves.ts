// X25519 and Ed25519 from node:crypto's synchronous API. Keys are imported as JWK (a private
// X25519 key with its public half: about ten times faster than PKCS#8 in Node 20).
import { createPrivateKey, createPublicKey, diffieHellman, sign, verify, type KeyObject } from "node:crypto";
import { PUBLIC_ED25519_KEY, PUBLIC_ED25519_SEED, type CurveBackend, type NativeKey } from "@parley/signal/backend";
import { base64Url, plain } from "./bytes.js";

function importOrUndefined(load: () => KeyObject): KeyObject | undefined {
  try {
    return load();
  } catch {
    return undefined;
  }
}

/** The public-on-purpose signing key (see @parley/signal's public-signer), imported once. */
const publicSigner = createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", d: base64Url(PUBLIC_ED25519_SEED), x: base64Url(PUBLIC_ED25519_KEY) },
  format: "jwk",
});

export const nodeCurves: CurveBackend = Object.freeze({
  importX25519PrivateKey: (scalar: Uint8Array, publicU: Uint8Array) =>
    importOrUndefined(() => createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: base64Url(scalar), x: base64Url(publicU) }, format: "jwk" })),
  importX25519PublicKey: (u: Uint8Array) =>
    importOrUndefined(() => createPublicKey({ key: { kty: "OKP", crv: "X25519", x: base64Url(u) }, format: "jwk" })),
  // OpenSSL refuses an all-zero result (a low-order public key) by throwing.
  x25519: (privateKey: NativeKey, publicKey: NativeKey) =>
    plain(diffieHellman({ privateKey: privateKey as KeyObject, publicKey: publicKey as KeyObject })),
  importEd25519PublicKey: (publicKey: Uint8Array) =>
    importOrUndefined(() => createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: base64Url(publicKey) }, format: "jwk" })),
  ed25519Verify: (publicKey: NativeKey, message: Uint8Array, signature: Uint8Array) => {
    try {
      return verify(null, message, publicKey as KeyObject, signature);
    } catch {
      return undefined;
    }
  },
  ed25519SignWithPublicKey: (message: Uint8Array) => plain(sign(null, message, publicSigner)),
});
