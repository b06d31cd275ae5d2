import type { DeviceAddress } from "./device-address.js";

/** An envelope to queue for one device. `data` is the encoded protocol Envelope, stored as is. */
export interface NewEnvelope {
  /** 16 random bytes, unique; the same id appears inside `data`. */
  readonly id: Uint8Array;
  readonly accountId: string;
  readonly deviceId: number;
  readonly data: Uint8Array;
  /** When the server accepted it (ms); the retention period counts from here. */
  readonly receivedAt: number;
}

export interface StoredEnvelope extends NewEnvelope {
  /**
   * Position in the device's queue: positive, at most 2^53 - 1, and increasing with every append
   * to the device, so its entries sort in the order they were appended. Seqs only compare within
   * one device: a backend may number each device on its own or share one sequence across all.
   */
  readonly seq: number;
}

/**
 * Per-device queues of sealed envelopes: the only copy of a message between the sender's
 * acknowledgement and the recipient's.
 *
 * Guarantees:
 * - `append` is atomic and durable when its promise resolves: after a crash or power cut every
 *   envelope of a resolved append is still there, and none of a rejected one is. An append
 *   rejects (storing nothing) when an envelope's id is already stored for the same device (a
 *   backend may refuse it across devices as well) or its device does not exist (say it was
 *   removed meanwhile).
 * - `read` returns one device's entries in append order (ascending `seq`), never another
 *   device's.
 * - Appends to one device become visible in `seq` order, also when several processes append to
 *   the same database concurrently: once `read` has returned an entry, no entry of that device
 *   with a lower `seq` appears later. A reader that resumes after the highest `seq` it has seen
 *   (a cursor) therefore misses nothing, and never needs to look below it again. A `seq` is never
 *   handed out twice for a device, even after its entries are acknowledged.
 * - Delivery is at-least-once: an entry stays until acknowledged or expired, so it may be read
 *   and delivered more than once.
 * - `ack` is idempotent, deletes only entries of the given device, and need not be durable (a
 *   lost acknowledgement means a duplicate delivery, never a loss).
 */
export interface MailboxStore {
  /** Returns the `seq` given to each envelope, in the order of `envelopes`. */
  append(envelopes: readonly NewEnvelope[]): Promise<number[]>;
  /** Up to `limit` entries of `device` with `seq > afterSeq`, in ascending `seq`. */
  read(device: DeviceAddress, afterSeq: number, limit: number): Promise<StoredEnvelope[]>;
  /** Deletes the entries of `device` with these `seq`s; returns how many existed. */
  ack(device: DeviceAddress, seqs: readonly number[]): Promise<number>;
  /** Number of queued entries of `device`. */
  count(device: DeviceAddress): Promise<number>;
  /** Number of queued entries of every device (for monitoring: may scan the whole queue). */
  depth(): Promise<number>;
  /** Deletes every entry of `device` (the device was removed or re-registered). */
  clear(device: DeviceAddress): Promise<void>;
  /** Deletes up to `limit` entries received before `cutoff` (ms); returns how many. */
  purgeExpired(cutoff: number, limit: number): Promise<number>;
}
