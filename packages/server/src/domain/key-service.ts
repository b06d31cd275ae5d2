// Prekey upload and bundle fetch. Uploads are vetted in full before anything is stored; a fetch
// claims one-time keys atomically through the store.
import type { DeviceBundle, KeyCounts, PreKeyBundles, UploadKeys } from "@parley/protocol";
import type { AccountStore } from "../ports/account-store.js";
import type { KeyStore, OneTimeKey, SignedKey } from "../ports/key-store.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { DeviceAuth } from "./authenticator.js";
import { encodeBase64 } from "./base64.js";
import { requireDistinctIds, validateKyberPreKey, validateOneTimePreKey, validateSignedPreKey } from "./key-validation.js";
import type { DomainSettings } from "./settings.js";

export interface KeyServiceDeps {
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  readonly settings: DomainSettings;
}

export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  async upload(auth: DeviceAuth, input: UploadKeys): Promise<void> {
    const { accounts, keys, settings } = this.deps;
    const account = await accounts.findAccount(auth.accountId);
    if (!account) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
    const identityKey = account.identityKey;
    const preKeys = input.preKeys ?? [];
    const pqPreKeys = input.pqPreKeys ?? [];
    const perUpload = settings.keys.maxKeysPerUpload;
    if (preKeys.length > perUpload || pqPreKeys.length > perUpload) {
      throw new ApiError(ErrorCode.TooManyItems, `at most ${perUpload} one-time keys of each kind per upload`, { limit: perUpload });
    }
    requireDistinctIds(preKeys, "preKeys");
    requireDistinctIds(pqPreKeys, "pqPreKeys");
    const signed = input.signedPreKey ? await validateSignedPreKey(identityKey, input.signedPreKey, "signedPreKey") : undefined;
    const lastResort = input.pqLastResortPreKey
      ? await validateKyberPreKey(identityKey, input.pqLastResortPreKey, "pqLastResortPreKey")
      : undefined;
    const ec: OneTimeKey[] = preKeys.map((k, i) => validateOneTimePreKey(k, `preKeys[${i}]`));
    const pq: SignedKey[] = [];
    for (const [i, k] of pqPreKeys.entries()) pq.push(await validateKyberPreKey(identityKey, k, `pqPreKeys[${i}]`));
    const counts = await keys.counts(auth);
    const max = settings.keys.maxStoredKeys;
    if (counts.preKeys + ec.length > max || counts.pqPreKeys + pq.length > max) {
      throw new ApiError(ErrorCode.TooManyItems, `a device stores at most ${max} one-time keys of each kind`, { limit: max });
    }
    if (signed) await keys.setSignedPreKey(auth, signed);
    if (lastResort) await keys.setLastResortKey(auth, lastResort);
    if (ec.length > 0) await keys.addPreKeys(auth, ec);
    if (pq.length > 0) await keys.addKyberPreKeys(auth, pq);
  }

  async counts(auth: DeviceAuth): Promise<KeyCounts> {
    return this.deps.keys.counts(auth);
  }

  /**
   * Bundles for one device, or for every device of the account when `deviceId` is "*". Each
   * fetch consumes one one-time key of each kind per device, falling back to the last-resort
   * Kyber key.
   */
  async fetchBundles(accountId: string, deviceId: number | "*"): Promise<PreKeyBundles> {
    const { accounts, keys } = this.deps;
    const account = await accounts.findAccount(accountId);
    if (!account) throw new ApiError(ErrorCode.AccountNotFound, "no such account");
    const devices = await accounts.listDevices(accountId);
    const targets = deviceId === "*" ? devices : devices.filter((d) => d.id === deviceId);
    if (targets.length === 0) throw new ApiError(ErrorCode.DeviceNotFound, "no such device");
    const bundles: DeviceBundle[] = [];
    for (const device of targets) {
      const claimed = await keys.claim({ accountId, deviceId: device.id });
      if (!claimed) continue;
      bundles.push({
        deviceId: device.id,
        registrationId: device.registrationId,
        signedPreKey: signedJson(claimed.signedPreKey),
        ...(claimed.preKey ? { preKey: { keyId: claimed.preKey.keyId, publicKey: encodeBase64(claimed.preKey.publicKey) } } : {}),
        pqPreKey: signedJson(claimed.pqPreKey),
        pqLastResort: claimed.pqLastResort,
      });
    }
    if (bundles.length === 0) throw new ApiError(ErrorCode.KeysNotFound, "the device has no keys to start a session with");
    return { identityKey: encodeBase64(account.identityKey), devices: bundles };
  }
}

function signedJson(key: SignedKey) {
  return { keyId: key.keyId, publicKey: encodeBase64(key.publicKey), signature: encodeBase64(key.signature) };
}
