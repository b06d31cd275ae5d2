import * as ls from "@signalapp/libsignal-client";

type Bytes = Uint8Array<ArrayBuffer>;

/** libsignal's sender key store port, in memory, keeping records serialized as a real store would. */
export class LibsignalSenderKeyStore extends ls.SenderKeyStore {
  private readonly records = new Map<string, Bytes>();
  async saveSenderKey(sender: ls.ProtocolAddress, id: ls.Uuid, record: ls.SenderKeyRecord): Promise<void> {
    this.records.set(`${sender.toString()}/${id}`, record.serialize());
  }
  async getSenderKey(sender: ls.ProtocolAddress, id: ls.Uuid): Promise<ls.SenderKeyRecord | null> {
    const stored = this.records.get(`${sender.toString()}/${id}`);
    return stored ? ls.SenderKeyRecord.deserialize(stored) : null;
  }
}
