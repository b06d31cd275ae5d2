// The Parley client: one linked device of one account. Create it with ParleyClient.register (a new
// account), ParleyClient.link (a new device of an existing account) or ParleyClient.open (a store
// that already holds a device), then connect(). Everything sent goes through the persistent
// outbox; everything received is stored before it is acknowledged.
import { deliverPath, queueEmptyPath, type Credentials, type Identifier } from "@parley/protocol";
import { Fingerprint } from "@parley/signal";
import { HttpCaller, PreferSocketCaller } from "../api/api-caller.js";
import { ServerApi } from "../api/server-api.js";
import type { Content, ContentBody, MessageRef } from "../content/content.js";
import { newMessageId } from "../content/message-id.js";
import { ApiRequestError, ParleyError, SdkErrorCode } from "../errors.js";
import { parseLinkingCode } from "../linking/linking-code.js";
import { sealProvisioningMessage } from "../linking/provisioning-cipher.js";
import type { ProvisioningContact } from "../linking/provisioning-payload.js";
import { AccountSecurity } from "../security/account-security.js";
import { SignIns } from "../security/sign-ins.js";
import type { KeyValueStore } from "../storage/key-value-store.js";
import { StorageRunner, type UnitOfWork } from "../storage/unit-of-work.js";
import { Connection } from "../transport/connection.js";
import type { IncomingRequest } from "../transport/frame-channel.js";
import { toBase64, utf8 } from "../util/bytes.js";
import { Emitter } from "../util/emitter.js";
import { jitter, signalStores, type ClientContext } from "./context.js";
import type { ClientEvents } from "./events.js";
import { History } from "./history.js";
import { getJson, putJson, scanJson } from "./json-records.js";
import { Outbox } from "./outbox.js";
import { OwnDevices } from "./own-devices.js";
import { enrolByLinking, enrolByRegistration, isRegistered } from "./onboarding.js";
import { services, type ClientOptions, type LinkOptions, type RegisterOptions, type SafetyNumber } from "./options.js";
import { defaultPreKeyPolicy, PreKeyMaintainer } from "./prekeys.js";
import { Receiver } from "./receiver.js";
import { keys, type ContactRecord, type LocalAccount, type MessageRecord } from "./records.js";

export type { ClientOptions, LinkOptions, RegisterOptions, SafetyNumber } from "./options.js";
import { MessageSender } from "./sender.js";

export class ParleyClient {
  readonly events: Emitter<ClientEvents>;
  /** The account's registration lock PIN, TOTP and passkeys. */
  readonly security: AccountSecurity;
  /** Sign-ins to third-party apps waiting for this account's approval. */
  readonly signIns: SignIns;
  readonly #context: ClientContext;
  readonly #connection: Connection;
  readonly #sender: MessageSender;
  readonly #outbox: Outbox;
  readonly #receiver: Receiver;
  readonly #prekeys: PreKeyMaintainer;
  readonly #ownDevices: OwnDevices;
  readonly #store: KeyValueStore;
  #closed = false;

  private constructor(account: LocalAccount, options: ClientOptions, runner: StorageRunner) {
    const { fetch, webSocket, random, clock } = services(options);
    this.#store = options.store;
    this.events = new Emitter<ClientEvents>((error) => this.events.emit("error", { error, during: "event listener" }));
    const credentials: Credentials = { accountId: account.accountId, deviceId: account.deviceId, password: account.password };
    const http = new HttpCaller(account.serverUrl, fetch, credentials);
    const api = new ServerApi(new PreferSocketCaller(() => this.#connection.channel, http));
    this.#context = {
      account,
      runner,
      api,
      random,
      clock,
      events: this.events,
      blockOnIdentityChange: options.blockOnIdentityChange ?? true,
      requireSignedDeviceLists: options.requireSignedDeviceLists ?? true,
    };
    this.security = new AccountSecurity(api, () => account.deviceId);
    this.signIns = new SignIns(api);
    this.#sender = new MessageSender(this.#context);
    this.#outbox = new Outbox(this.#context, this.#sender, {
      retryInitialMs: options.retryInitialMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 60_000,
    });
    this.#ownDevices = new OwnDevices(this.#context);
    this.#receiver = new Receiver(this.#context, this.#outbox, {
      sendDeliveryReceipts: options.sendDeliveryReceipts ?? true,
      resetIntervalMs: 60_000,
      onDeviceLinked: (deviceId, registrationId) => void this.admitDevice(deviceId, registrationId),
    });
    this.#prekeys = new PreKeyMaintainer(this.#context, { ...defaultPreKeyPolicy, ...options.preKeys });
    const probe = new ServerApi(http);
    this.#connection = new Connection({
      serverUrl: account.serverUrl,
      credentials,
      webSocket,
      handler: (request) => this.incoming(request),
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      backoffInitialMs: options.reconnectInitialMs ?? 500,
      backoffMaxMs: options.reconnectMaxMs ?? 30_000,
      keepAliveMs: options.keepAliveMs ?? 30_000,
      jitter: () => jitter(random),
      credentialsValid: async () => {
        try {
          await probe.me();
          return true;
        } catch (error) {
          return !(error instanceof ApiRequestError && error.status === 401);
        }
      },
      onState: (state, detail) => {
        this.events.emit("connection", { state, ...detail });
        if (state === "open") this.#outbox.retryNow().catch((error: unknown) => this.events.emit("error", { error, during: "outbox" }));
        if (state === "removed" || state === "displaced") this.events.emit("device-removed", {});
      },
      onViolation: (error) => this.events.emit("error", { error, during: "connection" }),
    });
  }

  // Creating a client.

  /** Opens a store that already holds a registered or linked device. */
  static async open(options: ClientOptions): Promise<ParleyClient> {
    const runner = new StorageRunner(options.store, options.asyncContext ? { asyncContext: options.asyncContext } : {});
    const account = await runner.run((tx) => getJson<LocalAccount>(tx, keys.account));
    if (!account) throw new ParleyError(SdkErrorCode.NotRegistered, "this store holds no account: register or link first");
    return new ParleyClient(account, options, runner);
  }

  /** Whether the store holds a device already. */
  static isRegistered(store: KeyValueStore): Promise<boolean> {
    return isRegistered(store);
  }

  /** Registers a new account (or re-registers an identifier) and returns its primary device's client. */
  static async register(options: RegisterOptions): Promise<ParleyClient> {
    const { registrationId } = await enrolByRegistration(options);
    const client = await ParleyClient.open(options);
    await client.#ownDevices.publish([{ deviceId: 1, registrationId }]);
    await client.#prekeys.run();
    return client;
  }

  /** Links this store as a new device of an existing account; the primary approves the code. */
  static async link(options: LinkOptions): Promise<ParleyClient> {
    const { registrationId } = await enrolByLinking(options);
    const client = await ParleyClient.open(options);
    await client.#prekeys.run();
    // Tell the primary, end to end encrypted, so that it adds this device to the signed list.
    const { deviceId } = client.#context.account;
    await client.#queue(client.accountId, { kind: "deviceLinked", deviceId, registrationId });
    return client;
  }

  // Identity of this device.

  get accountId(): string {
    return this.#context.account.accountId;
  }

  get deviceId(): number {
    return this.#context.account.deviceId;
  }

  get serverUrl(): string {
    return this.#context.account.serverUrl;
  }

  get identifier(): Identifier | undefined {
    return this.#context.account.identifier;
  }

  get connectionState() {
    return this.#connection.state;
  }

  // Connection.

  /** Opens the socket (and keeps it open, reconnecting); resolves once it is open. */
  async connect(): Promise<void> {
    this.#assertOpen();
    this.#connection.start();
    await this.#connection.waitOpen();
    this.#outbox.wake();
  }

  /** Closes the socket and stops background work. The store is left open (the caller owns it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.stop();
    this.#outbox.close();
    await this.#outbox.idle();
  }

  // Contacts.

  /** Finds the account registered under a phone number or username and keeps it as a contact. */
  async lookup(identifier: Identifier, name?: string): Promise<string> {
    const { accountId } = await this.#context.api.lookup(identifier);
    await this.#context.runner.run(async (tx) => {
      const current = await getJson<ContactRecord>(tx, keys.contact(accountId));
      putJson(tx, keys.contact(accountId), { ...(current ?? { v: 1, accountId }), identifier, ...(name ? { name } : {}) });
    });
    return accountId;
  }

  async contacts(): Promise<ContactRecord[]> {
    return this.#context.runner.run((tx) => scanJson<ContactRecord>(tx, keys.contacts));
  }

  async contact(accountId: string): Promise<ContactRecord | undefined> {
    return this.#context.runner.run((tx) => getJson<ContactRecord>(tx, keys.contact(accountId)));
  }

  // Sending.

  /** Queues a text message; returns its message id. It is sent as soon as the server is reachable. */
  sendText(to: string, text: string, options: { replyTo?: MessageRef } = {}): Promise<string> {
    if (text.length === 0) return Promise.reject(new ParleyError(SdkErrorCode.InvalidArgument, "empty message"));
    return this.#queue(to, { kind: "text", text, ...(options.replyTo ? { replyTo: options.replyTo } : {}) });
  }

  react(conversation: string, target: MessageRef, emoji: string, remove = false): Promise<string> {
    return this.#queue(conversation, { kind: "reaction", target, emoji, remove });
  }

  edit(conversation: string, messageId: string, text: string): Promise<string> {
    return this.#queue(conversation, { kind: "edit", targetMessageId: messageId, text });
  }

  deleteForEveryone(conversation: string, messageId: string): Promise<string> {
    return this.#queue(conversation, { kind: "delete", targetMessageId: messageId });
  }

  /** Marks received messages read here and tells their author (a read receipt) and your other devices. */
  async markRead(conversation: string, messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return;
    const ids = [...messageIds];
    await this.#queue(conversation, { kind: "receipt", receipt: "read", messageIds: ids }, async (tx) => {
      const history = new History(tx);
      for (const id of ids) {
        await history.update(conversation, conversation, id, (record) => {
          if (record.direction !== "in" || record.status === "read") return false;
          record.status = "read";
          return true;
        });
      }
    });
  }

  /** Typing indicators are ephemeral: sent only now, to connected devices, never queued. */
  async setTyping(to: string, started: boolean): Promise<void> {
    const content: Content = { messageId: newMessageId(this.#context.random), sentAt: this.#context.clock.now(), body: { kind: "typing", started } };
    await this.#sender.send(to, content, { ephemeral: true });
  }

  /** Queues content for `to` and (for what the user sees) a transcript for your other devices. */
  async #queue(to: string, body: ContentBody, alsoInUnit?: (tx: UnitOfWork) => Promise<void>): Promise<string> {
    this.#assertOpen();
    const { random, clock, account, runner } = this.#context;
    const content: Content = { messageId: newMessageId(random), sentAt: clock.now(), body };
    const me = account.accountId;
    const record: MessageRecord | undefined =
      body.kind === "text"
        ? {
            v: 1,
            messageId: content.messageId,
            conversation: to,
            author: me,
            authorDevice: account.deviceId,
            direction: "out",
            sentAt: content.sentAt,
            text: body.text,
            ...(body.replyTo ? { replyTo: body.replyTo } : {}),
            status: "queued",
            reactions: {},
          }
        : undefined;
    await runner.run(async (tx) => {
      if (record) await new History(tx).add(record);
      if (alsoInUnit) await alsoInUnit(tx);
      await this.#outbox.enqueue(tx, to, content, record ? { conversation: to, messageId: record.messageId, sentAt: record.sentAt } : undefined);
      const syncable = body.kind === "text" || body.kind === "reaction" || body.kind === "edit" || body.kind === "delete" || (body.kind === "receipt" && body.receipt === "read");
      if (syncable && to !== me) {
        const transcript: Content = { messageId: newMessageId(random), sentAt: content.sentAt, body: { kind: "sentTranscript", destination: to, content } };
        await this.#outbox.enqueue(tx, me, transcript);
      }
    });
    if (record) this.events.emit("message", { message: record });
    this.#outbox.wake();
    return content.messageId;
  }

  /** Items still waiting in the outbox. */
  async pendingCount(): Promise<number> {
    return (await this.#outbox.items()).length;
  }

  /**
   * Tries every queued item now (waiting retry delays are cut short) and resolves when the outbox
   * has nothing due; items held for an identity, or that failed again, remain.
   */
  async flush(): Promise<void> {
    await this.#outbox.retryNow();
    await this.#outbox.idle();
  }

  // History.

  async history(conversation: string, limit = 50): Promise<MessageRecord[]> {
    return this.#context.runner.run((tx) => new History(tx).recent(conversation, limit));
  }

  async conversations(): Promise<string[]> {
    return this.#context.runner.run((tx) => new History(tx).conversations());
  }

  // Identity and safety numbers.

  async safetyNumber(accountId: string): Promise<SafetyNumber> {
    const { local, remote } = await this.#context.runner.run(async (tx) => {
      const stores = signalStores(this.#context, tx);
      return { local: (await stores.getIdentityKeyPair()).publicKey, remote: (await stores.identityRecord(accountId))?.publicKey };
    });
    if (!remote) throw new ParleyError(SdkErrorCode.InvalidArgument, `no identity key known for ${accountId} yet: exchange a message first`);
    const remoteKey = remote;
    const fingerprint = Fingerprint.create(5200, 2, utf8(this.accountId), local, utf8(accountId), remoteKey);
    return { digits: fingerprint.displayable.toString(), scannable: toBase64(fingerprint.scannable.serialize()) };
  }

  async identityStatus(accountId: string): Promise<string | undefined> {
    return this.#context.runner.run(async (tx) => (await signalStores(this.#context, tx).identityRecord(accountId))?.status);
  }

  /** Accepts the contact's current (changed) identity key and lets held messages go. */
  async acceptIdentity(accountId: string): Promise<void> {
    await this.#context.runner.run(async (tx) => {
      await signalStores(this.#context, tx).acceptIdentity(accountId);
    });
    await this.#outbox.release(accountId);
  }

  /** After comparing safety numbers in person: marks the contact's current key verified. */
  async markVerified(accountId: string): Promise<boolean> {
    return this.#context.runner.run(async (tx) => {
      const stores = signalStores(this.#context, tx);
      const record = await stores.identityRecord(accountId);
      return record ? stores.markVerified(accountId, record.publicKey) : false;
    });
  }

  // Devices.

  async devices() {
    return (await this.#context.api.listDevices()).devices;
  }

  /** Primary only: approves a new device that shows `code`. */
  async approveLink(code: string): Promise<void> {
    this.#assertOpen();
    if (this.deviceId !== 1) throw new ParleyError(SdkErrorCode.InvalidArgument, "only the primary device can link devices");
    const { address, publicKey } = parseLinkingCode(code);
    const { runner, api, random } = this.#context;
    const token = await api.createLinkToken();
    const { identity, contacts } = await runner.run(async (tx) => {
      const stores = signalStores(this.#context, tx);
      const all: ProvisioningContact[] = [];
      for (const contact of await scanJson<ContactRecord>(tx, keys.contacts)) {
        if (contact.accountId === this.accountId) continue;
        const known = await stores.identityRecord(contact.accountId);
        all.push({
          accountId: contact.accountId,
          ...(contact.name ? { name: contact.name } : {}),
          ...(known && known.status !== "changed" ? { identityKey: known.publicKey } : {}),
          verified: known?.status === "verified",
          ...(contact.identifier ? { identifier: contact.identifier } : {}),
        });
      }
      return { identity: await stores.getIdentityKeyPair(), contacts: all };
    });
    const sealed = await sealProvisioningMessage(
      {
        accountId: this.accountId,
        primaryDeviceId: this.deviceId,
        identityKeyPair: identity,
        linkToken: token.token,
        ...(this.identifier ? { identifier: this.identifier } : {}),
        contacts,
      },
      publicKey,
      random,
    );
    await api.sendProvisioningMessage(address, toBase64(sealed));
  }

  /** Removes a linked device (the primary: any; a linked device: itself). */
  async removeDevice(deviceId: number): Promise<void> {
    await this.#ownDevices.remove(deviceId);
  }

  async admitDevice(deviceId: number, registrationId: number): Promise<void> {
    try {
      this.#sender.forgetOwnDevices();
      if (await this.#ownDevices.admit(deviceId, registrationId)) {
        this.events.emit("device-linked", { deviceId });
        this.#outbox.wake();
      }
    } catch (error) {
      this.events.emit("error", { error, during: "device list" });
    }
  }

  // Incoming requests from the server.

  async incoming(request: IncomingRequest): Promise<{ status: number }> {
    if (request.verb === "PUT" && request.path === deliverPath) {
      const status = await this.#receiver.handle(request.body);
      // Not stored (a local storage failure): the server redelivers it on the next connection.
      if (status >= 500) queueMicrotask(() => this.#connection.reconnect("could not store a message"));
      return { status };
    }
    if (request.verb === "PUT" && request.path === queueEmptyPath) {
      this.events.emit("queue-empty", {});
      this.#prekeys.run().catch((error: unknown) => this.events.emit("error", { error, during: "prekeys" }));
      this.#ownDevices.reconcile().catch((error: unknown) => this.events.emit("error", { error, during: "device list" }));
      return { status: 200 };
    }
    return { status: 404 };
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError(SdkErrorCode.Closed, "the client is closed");
  }

  /** For diagnostics: the raw store. */
  get store(): KeyValueStore {
    return this.#store;
  }
}
