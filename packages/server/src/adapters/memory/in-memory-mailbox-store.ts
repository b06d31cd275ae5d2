import type { DeviceAddress, MailboxStore, NewEnvelope, StoredEnvelope } from "../../ports/index.js";
import { addressKey } from "../../ports/index.js";
import { copyBytes, copyEnvelope, hex, requireDevice, type MemoryState } from "./memory-state.js";

const ENVELOPE_ID_LENGTH = 16;

/**
 * MailboxStore over the shared in-memory state. Durable only for the life of the process: it is
 * for tests and development, not for holding real messages.
 */
export class InMemoryMailboxStore implements MailboxStore {
  readonly #state: MemoryState;

  constructor(state: MemoryState) {
    this.#state = state;
  }

  async append(envelopes: readonly NewEnvelope[]): Promise<number[]> {
    const state = this.#state;
    // Check everything first, so a rejected append stores nothing.
    const ids = new Set<string>();
    for (const envelope of envelopes) {
      requireDevice(state, envelope);
      if (envelope.id.length !== ENVELOPE_ID_LENGTH) throw new Error("an envelope id is 16 bytes");
      const id = hex(envelope.id);
      if (ids.has(id) || state.envelopeIds.has(id)) throw new Error("duplicate envelope id");
      ids.add(id);
    }
    const seqs: number[] = [];
    for (const envelope of envelopes) {
      state.lastSeq += 1;
      seqs.push(state.lastSeq);
      const key = addressKey(envelope);
      let queue = state.mailboxes.get(key);
      if (queue === undefined) {
        queue = new Map();
        state.mailboxes.set(key, queue);
      }
      queue.set(state.lastSeq, {
        id: copyBytes(envelope.id),
        accountId: envelope.accountId,
        deviceId: envelope.deviceId,
        data: copyBytes(envelope.data),
        receivedAt: envelope.receivedAt,
        seq: state.lastSeq,
      });
      state.envelopeIds.add(hex(envelope.id));
    }
    return seqs;
  }

  async read(device: DeviceAddress, afterSeq: number, limit: number): Promise<StoredEnvelope[]> {
    const result: StoredEnvelope[] = [];
    const queue = this.#state.mailboxes.get(addressKey(device));
    if (queue === undefined) return result;
    for (const envelope of queue.values()) {
      if (result.length >= limit) break;
      if (envelope.seq > afterSeq) result.push(copyEnvelope(envelope));
    }
    return result;
  }

  async ack(device: DeviceAddress, seqs: readonly number[]): Promise<number> {
    const queue = this.#state.mailboxes.get(addressKey(device));
    if (queue === undefined) return 0;
    let deleted = 0;
    for (const seq of seqs) {
      const envelope = queue.get(seq);
      if (envelope === undefined) continue;
      queue.delete(seq);
      this.#state.envelopeIds.delete(hex(envelope.id));
      deleted += 1;
    }
    return deleted;
  }

  async count(device: DeviceAddress): Promise<number> {
    return this.#state.mailboxes.get(addressKey(device))?.size ?? 0;
  }

  async depth(): Promise<number> {
    let total = 0;
    for (const queue of this.#state.mailboxes.values()) total += queue.size;
    return total;
  }

  async clear(device: DeviceAddress): Promise<void> {
    const key = addressKey(device);
    const queue = this.#state.mailboxes.get(key);
    if (queue === undefined) return;
    for (const envelope of queue.values()) this.#state.envelopeIds.delete(hex(envelope.id));
    this.#state.mailboxes.delete(key);
  }

  async purgeExpired(cutoff: number, limit: number): Promise<number> {
    let purged = 0;
    for (const queue of this.#state.mailboxes.values()) {
      for (const [seq, envelope] of queue) {
        if (purged >= limit) return purged;
        if (envelope.receivedAt >= cutoff) continue;
        queue.delete(seq);
        this.#state.envelopeIds.delete(hex(envelope.id));
        purged += 1;
      }
    }
    return purged;
  }
}
