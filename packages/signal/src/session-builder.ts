// Alice's start of a session from a prekey bundle: checks the bundle's signatures and the
// identity's trust, runs PQXDH and stores the new session as current.
import type { ProtocolAddress } from "./address.js";
import { KeyPair } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import type { PreKeyBundle } from "./prekey-bundle.js";
import { initializeAliceSession } from "./pqxdh.js";
import type { RandomSource } from "./random.js";
import { SessionRecord } from "./session-record.js";
import { Direction, type IdentityKeyStore, type SessionStore } from "./stores.js";

export async function processPreKeyBundle(
  bundle: PreKeyBundle,
  address: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  random: RandomSource,
  now: number,
): Promise<void> {
  if (!(await identityStore.isTrustedIdentity(address, bundle.identityKey, Direction.Sending))) {
    throw new SignalError(SignalErrorCode.UntrustedIdentity, `untrusted identity for ${address.toString()}`);
  }
  // The two verifications (same key: one conversion, one import) and the base key's generation
  // are independent native operations; they run together, and the checks keep their order.
  const [signedPreKeyValid, kyberPreKeyValid, ourBaseKey] = await Promise.all([
    bundle.identityKey.verifySignature(bundle.signedPreKeyPublic.serialize(), bundle.signedPreKeySignature),
    bundle.identityKey.verifySignature(bundle.kyberPreKeyPublic.serialize(), bundle.kyberPreKeySignature),
    KeyPair.generateAsync(random),
  ]);
  if (!signedPreKeyValid) {
    throw new SignalError(SignalErrorCode.InvalidSignature, "signed prekey signature does not verify");
  }
  if (!kyberPreKeyValid) {
    throw new SignalError(SignalErrorCode.InvalidSignature, "Kyber prekey signature does not verify");
  }
  if ((bundle.preKeyId === undefined) !== (bundle.preKeyPublic === undefined)) {
    throw new SignalError(SignalErrorCode.InvalidMessage, "one-time prekey id and key must come together");
  }
  const { state, kyberCiphertext } = await initializeAliceSession(
    {
      ourIdentity: await identityStore.getIdentityKeyPair(),
      ourBaseKey,
      theirIdentityKey: bundle.identityKey,
      theirSignedPreKey: bundle.signedPreKeyPublic,
      theirOneTimePreKey: bundle.preKeyPublic,
      theirKyberPreKey: bundle.kyberPreKeyPublic,
    },
    random,
  );
  state.pendingPreKey = {
    preKeyId: bundle.preKeyId,
    signedPreKeyId: bundle.signedPreKeyId,
    baseKey: ourBaseKey.publicKey,
    kyberPreKeyId: bundle.kyberPreKeyId,
    kyberCiphertext,
    timestamp: now,
  };
  state.localRegistrationId = await identityStore.getLocalRegistrationId();
  state.remoteRegistrationId = bundle.registrationId;
  const record = (await sessionStore.loadSession(address)) ?? new SessionRecord();
  record.promoteState(state);
  await identityStore.saveIdentity(address, bundle.identityKey);
  await sessionStore.storeSession(address, record);
}
