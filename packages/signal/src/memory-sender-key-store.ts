// In-memory SenderKeyStore for tests and ephemeral clients. Keeps each record serialized, as a
// durable store would, so every load returns a fresh record the caller may mutate, and a record
// changes only through storeSenderKey. Holds key material in memory only; nothing survives.
import type { ProtocolAddress } from "./address.js";
import { SenderKeyRecord } from "./sender-key-record.js";
import type { SenderKeyStore } from "./stores.js";

export class InMemorySenderKeyStore implements SenderKeyStore {
  private readonly records = new Map<string, Uint8Array>();

  private static key(sender: ProtocolAddress, distributionId: string): string {
    return JSON.stringify([sender.name, sender.deviceId, distributionId]);
  }

  async loadSenderKey(sender: ProtocolAddress, distributionId: string): Promise<SenderKeyRecord | undefined> {
    const bytes = this.records.get(InMemorySenderKeyStore.key(sender, distributionId));
    return bytes && SenderKeyRecord.deserialize(bytes);
  }

  async storeSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): Promise<void> {
    this.records.set(InMemorySenderKeyStore.key(sender, distributionId), record.serialize());
  }
}
