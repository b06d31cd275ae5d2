// PQXDH: the initial shared secret of a session, from Alice's identity and base keys, Bob's
// identity, signed prekey, optional one-time prekey and Kyber prekey. Then the first ratchet
// step, so both sides hold the same root key and Bob's signed prekey is his first ratchet key.
import { concatBytes, utf8 } from "./bytes.js";
import { hkdfSha256 } from "./crypto.js";
import { KeyPair, type PublicKey } from "./curve.js";
import type { KemKeyPair, KemPublicKey } from "./kem.js";
import type { RandomSource } from "./random.js";
import { chainFromAgreement, type ChainKey } from "./ratchet-keys.js";
import type { SessionState } from "./session-state.js";
import { CIPHERTEXT_MESSAGE_VERSION } from "./signal-message.js";

const DISCONTINUITY = new Uint8Array(32).fill(0xff);
const INFO_PQXDH = utf8("WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024");

/** Root key and first chain key; the third 32 bytes of the output seed SPQR, unused here. */
function deriveKeys(secrets: Uint8Array): { rootKey: Uint8Array; chainKey: ChainKey } {
  const okm = hkdfSha256(secrets, new Uint8Array(32), INFO_PQXDH, 96);
  return { rootKey: okm.slice(0, 32), chainKey: { key: okm.slice(32, 64), index: 0 } };
}

export interface AliceParameters {
  ourIdentity: KeyPair;
  ourBaseKey: KeyPair;
  theirIdentityKey: PublicKey;
  theirSignedPreKey: PublicKey;
  theirOneTimePreKey: PublicKey | undefined;
  theirKyberPreKey: KemPublicKey;
}

/**
 * Starts the native work (agreements, key generation) and lets it run, on the platform's
 * threads, while the JS Kyber computation runs; a rejection is observed by the final await.
 */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Alice's side. Returns the new session and the Kyber ciphertext Bob needs. */
export async function initializeAliceSession(p: AliceParameters, random: RandomSource): Promise<{ state: SessionState; kyberCiphertext: Uint8Array }> {
  const agreements = started(
    Promise.all([
      p.ourIdentity.privateKey.agree(p.theirSignedPreKey),
      p.ourBaseKey.privateKey.agree(p.theirIdentityKey),
      p.ourBaseKey.privateKey.agree(p.theirSignedPreKey),
      p.theirOneTimePreKey ? p.ourBaseKey.privateKey.agree(p.theirOneTimePreKey) : new Uint8Array(0),
    ]),
  );
  const kem = p.theirKyberPreKey.encapsulate(random);
  // The first sending chain's agreement does not depend on the root key: it runs alongside.
  const sendingRatchetKey = started(KeyPair.generateAsync(random));
  const sendingAgreement = started(sendingRatchetKey.then((key) => key.privateKey.agree(p.theirSignedPreKey)));
  const secrets = concatBytes(DISCONTINUITY, ...(await agreements), kem.sharedSecret);
  const derived = deriveKeys(secrets);
  const sending = chainFromAgreement(derived.rootKey, await sendingAgreement);
  const state: SessionState = {
    version: CIPHERTEXT_MESSAGE_VERSION,
    localIdentityKey: p.ourIdentity.publicKey,
    remoteIdentityKey: p.theirIdentityKey,
    rootKey: sending.rootKey,
    previousCounter: 0,
    senderChain: { ratchetKeyPair: await sendingRatchetKey, chainKey: sending.chainKey },
    receiverChains: [{ ratchetKey: p.theirSignedPreKey, chainKey: derived.chainKey, skipped: new Map() }],
    pendingPreKey: undefined,
    localRegistrationId: 0,
    remoteRegistrationId: 0,
    aliceBaseKey: undefined,
  };
  return { state, kyberCiphertext: kem.ciphertext };
}

export interface BobParameters {
  ourIdentity: KeyPair;
  ourSignedPreKey: KeyPair;
  ourOneTimePreKey: KeyPair | undefined;
  ourKyberPreKey: KemKeyPair;
  theirIdentityKey: PublicKey;
  theirBaseKey: PublicKey;
  theirKyberCiphertext: Uint8Array;
}

/** Bob's side, on the first PreKey message of a session. */
export async function initializeBobSession(p: BobParameters): Promise<SessionState> {
  const agreements = started(
    Promise.all([
      p.ourSignedPreKey.privateKey.agree(p.theirIdentityKey),
      p.ourIdentity.privateKey.agree(p.theirBaseKey),
      p.ourSignedPreKey.privateKey.agree(p.theirBaseKey),
      p.ourOneTimePreKey ? p.ourOneTimePreKey.privateKey.agree(p.theirBaseKey) : new Uint8Array(0),
    ]),
  );
  const kemSecret = p.ourKyberPreKey.secretKey.decapsulate(p.theirKyberCiphertext);
  const secrets = concatBytes(DISCONTINUITY, ...(await agreements), kemSecret);
  const derived = deriveKeys(secrets);
  return {
    version: CIPHERTEXT_MESSAGE_VERSION,
    localIdentityKey: p.ourIdentity.publicKey,
    remoteIdentityKey: p.theirIdentityKey,
    rootKey: derived.rootKey,
    previousCounter: 0,
    senderChain: { ratchetKeyPair: p.ourSignedPreKey, chainKey: derived.chainKey },
    receiverChains: [],
    pendingPreKey: undefined,
    localRegistrationId: 0,
    remoteRegistrationId: 0,
    aliceBaseKey: p.theirBaseKey.serialize(),
  };
}
