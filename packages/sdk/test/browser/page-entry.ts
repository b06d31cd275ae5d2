// The page of the browser test: the SDK bundled for browsers, driven by the test through
// globalThis.parleyTest. No platform option is passed: the SDK's defaults take the browser's own
// WebSocket, fetch and WebCrypto. The store is the in-memory one.
import { createBrowserPasskey, getBrowserPasskeyAssertion, MemoryKeyValueStore, ParleyClient } from "../../src/index.js";

const clients = new Map<string, ParleyClient>();
const inboxes = new Map<string, string[]>();

const registration = (username: string) => ({
  store: new MemoryKeyValueStore(),
  serverUrl: (globalThis as unknown as { location: { origin: string } }).location.origin,
  identifier: { kind: "username" as const, value: username },
  getCode: async () => (await fetch(`/test-code/${encodeURIComponent(username)}`)).text(),
  preKeys: { batch: 5, minimum: 2 },
});

const api = {
  /** Registers `username` (the test server hands the code to the page) and connects; returns the account id. */
  async register(username: string): Promise<string> {
    const client = await ParleyClient.register(registration(username));
    const inbox: string[] = [];
    client.events.on("message", ({ message }) => {
      if (message.direction === "in" && message.text !== undefined) inbox.push(message.text);
    });
    await client.connect();
    clients.set(username, client);
    inboxes.set(username, inbox);
    return client.accountId;
  },
  async sendText(username: string, to: string, text: string): Promise<string> {
    return clients.get(username)!.sendText(to, text);
  },
  /** Creates a passkey with the browser's authenticator and adds it to the account; returns its id. */
  async addPasskey(username: string, name: string): Promise<string> {
    const security = clients.get(username)!.security;
    const created = await createBrowserPasskey(await security.passkeyCreationOptions());
    return (await security.addPasskey(name, created)).id;
  },
  /**
   * Registers `username` again from a fresh store, answering the factor prompt with a passkey
   * assertion from the browser's authenticator; returns the account id and what was asked.
   */
  async reRegisterWithPasskey(username: string): Promise<{ accountId: string; asked: string[][] }> {
    const asked: string[][] = [];
    const client = await ParleyClient.register({
      ...registration(username),
      getFactors: async ({ secondFactors, passkeyOptions }) => {
        asked.push([...secondFactors]);
        if (!passkeyOptions) throw new Error("no passkey options in the requirement");
        return { passkey: await getBrowserPasskeyAssertion(passkeyOptions) };
      },
    });
    clients.set(username, client);
    return { accountId: client.accountId, asked };
  },
  async passkeys(username: string): Promise<{ id: string; name: string; lastUsedAt?: number }[]> {
    return [...(await clients.get(username)!.security.factors()).passkeys];
  },
  inbox(username: string): string[] {
    return [...(inboxes.get(username) ?? [])];
  },
  async status(username: string, conversation: string, messageId: string): Promise<string | undefined> {
    const history = await clients.get(username)!.history(conversation);
    return history.find((m) => m.messageId === messageId)?.status;
  },
};

(globalThis as unknown as { parleyTest: typeof api }).parleyTest = api;
