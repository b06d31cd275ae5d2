// Enrolment: turns an empty store into a device, by registering a new account (verification
// code, identity, device keys) or by being linked to an existing one (provisioning message from
// the primary). The store is written in one unit with the server's answer, so a failure leaves it
// empty; the client opened on it afterwards finishes the job (device list, one-time prekeys).
import { KeyPair } from "@parley/signal";
import { HttpCaller } from "../api/api-caller.js";
import { ServerApi } from "../api/server-api.js";
import { ApiRequestError, ParleyError, SdkErrorCode } from "../errors.js";
import type { KeyValueStore } from "../storage/key-value-store.js";
import { withFactors } from "../security/factor-gate.js";
import { SignalStores } from "../storage/signal-stores.js";
import { StorageRunner } from "../storage/unit-of-work.js";
import { toBase64 } from "../util/bytes.js";
import { putJson } from "./json-records.js";
import { randomRegistrationId, services, type LinkOptions, type RegisterOptions } from "./options.js";
import { createDeviceKeys, markRotated } from "./prekeys.js";
import { waitForProvisioning } from "./provisioning.js";
import { keys, type ContactRecord, type LocalAccount } from "./records.js";

/** Whether the store holds a device already. */
export async function isRegistered(store: KeyValueStore): Promise<boolean> {
  return (await store.get(keys.account)) !== undefined;
}

/** Registers a new account (or re-registers an identifier) into an empty store. */
export async function enrolByRegistration(options: RegisterOptions): Promise<{ registrationId: number }> {
  const { fetch, random, clock } = services(options);
  const runner = new StorageRunner(options.store, options.asyncContext ? { asyncContext: options.asyncContext } : {});
  if (await isRegistered(options.store)) {
    throw new ParleyError(SdkErrorCode.AlreadyRegistered, "this store already holds a device");
  }
  const api = new ServerApi(new HttpCaller(options.serverUrl, fetch));
  let session = await api.createVerificationSession(options.identifier);
  let retry = false;
  while (!session.verified) {
    const code = await options.getCode({ sessionId: session.sessionId, attemptsLeft: session.attemptsLeft, retry });
    try {
      session = await api.submitVerificationCode(session.sessionId, code);
    } catch (error) {
      if (!(error instanceof ApiRequestError) || error.code !== "VERIFICATION_CODE_INCORRECT") throw error;
      session = { ...session, attemptsLeft: Math.max(0, session.attemptsLeft - 1) };
      retry = true;
    }
  }
  const identity = KeyPair.generate(random);
  const registrationId = randomRegistrationId(random);
  const context = { random, clock };
  // Each try is one storage unit: a refused factor rolls the unit back, and the next try starts
  // from an empty store again (fresh one-time keys; the identity key stays the same).
  await withFactors(api, { sessionId: session.sessionId }, options.getFactors, (factors) =>
    runner.run(async (tx) => {
      const stores = new SignalStores(tx, { clock });
      await stores.setLocalIdentity({ identityKeyPair: identity, registrationId });
      const deviceKeys = await createDeviceKeys(stores, identity, context);
      const credentials = await api.register({
        sessionId: session.sessionId,
        identityKey: toBase64(identity.publicKey.serialize()),
        registrationId,
        ...deviceKeys,
        ...(options.deviceName ? { name: options.deviceName } : {}),
        ...(factors ? { factors } : {}),
      });
      const account: LocalAccount = { v: 1, serverUrl: options.serverUrl, ...credentials, identifier: options.identifier };
      putJson(tx, keys.account, account);
      await markRotated(tx, clock.now());
    }),
  );
  return { registrationId };
}

/** Waits for the primary's provisioning message and links the store as a new device. */
export async function enrolByLinking(options: LinkOptions): Promise<{ registrationId: number }> {
  const { fetch, webSocket, random, clock } = services(options);
  const runner = new StorageRunner(options.store, options.asyncContext ? { asyncContext: options.asyncContext } : {});
  if (await isRegistered(options.store)) {
    throw new ParleyError(SdkErrorCode.AlreadyRegistered, "this store already holds a device");
  }
  const payload = await waitForProvisioning({
    serverUrl: options.serverUrl,
    webSocket,
    random,
    onLinkingCode: options.onLinkingCode,
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
  });
  const api = new ServerApi(new HttpCaller(options.serverUrl, fetch));
  const registrationId = randomRegistrationId(random);
  const identity = payload.identityKeyPair;
  await withFactors(api, { linkToken: payload.linkToken }, options.getFactors, (factors) =>
    runner.run(async (tx) => {
      const stores = new SignalStores(tx, { clock });
      await stores.setLocalIdentity({ identityKeyPair: identity, registrationId });
      const deviceKeys = await createDeviceKeys(stores, identity, { random, clock });
      const credentials = await api.linkDevice({
        token: payload.linkToken,
        identityKey: toBase64(identity.publicKey.serialize()),
        registrationId,
        ...deviceKeys,
        ...(options.deviceName ? { name: options.deviceName } : {}),
        ...(factors ? { factors } : {}),
      });
      const account: LocalAccount = {
        v: 1,
        serverUrl: options.serverUrl,
        ...credentials,
        ...(payload.identifier ? { identifier: payload.identifier } : {}),
      };
      putJson(tx, keys.account, account);
      await markRotated(tx, clock.now());
      for (const contact of payload.contacts) {
        const record: ContactRecord = {
          v: 1,
          accountId: contact.accountId,
          ...(contact.name ? { name: contact.name } : {}),
          ...(contact.identifier ? { identifier: contact.identifier } : {}),
        };
        putJson(tx, keys.contact(contact.accountId), record);
        if (contact.identityKey) {
          await stores.acceptIdentity(contact.accountId, contact.identityKey);
          if (contact.verified) await stores.markVerified(contact.accountId, contact.identityKey);
        }
      }
    }),
  );
  return { registrationId };
}
