// Installs, over whichever crypto backend is active, one that cannot sign with Ed25519, as some
// platforms cannot: the code under test must then fall back to JS. restore() puts it back.
import { cryptoBackend, useCryptoBackend } from "../../src/active-backend.js";

export function withoutNativeSigning(): { calls(): number; restore(): void } {
  const original = cryptoBackend();
  let calls = 0;
  useCryptoBackend({
    ...original,
    name: `${original.name} without Ed25519 signing`,
    curves: {
      ...original.curves,
      ed25519SignWithPublicKey: () => {
        calls++;
        return undefined;
      },
    },
  });
  return { calls: () => calls, restore: () => useCryptoBackend(original) };
}
