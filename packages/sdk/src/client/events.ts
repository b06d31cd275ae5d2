// The events a ParleyClient emits (client.events.on(name, listener)).
import type { ConnectionState } from "../transport/connection.js";
import type { MessageRecord } from "./records.js";

export interface ClientEvents {
  /** The socket's state changed; `delayMs` is the wait before the next attempt. */
  connection: { readonly state: ConnectionState; readonly attempt: number; readonly delayMs?: number; readonly code?: number };
  /** The stored backlog has been delivered; what follows is live. */
  "queue-empty": Record<string, never>;
  /** A new message in the history: received, or sent by another of your devices. */
  message: { readonly message: MessageRecord };
  /** A message changed: delivery or read status, reactions, an edit, a deletion. */
  "message-updated": { readonly message: MessageRecord; readonly change: "status" | "reaction" | "edit" | "delete" };
  typing: { readonly from: string; readonly device: number; readonly started: boolean };
  /** The contact's identity key changed. Sending to it is held until acceptIdentity (unless configured otherwise). */
  "identity-changed": { readonly accountId: string };
  /** An envelope could not be decrypted; a session reset was requested from its sender. */
  "decryption-failed": { readonly from: string; readonly device: number; readonly code: string };
  /** An envelope was refused without being decrypted: a replay of one already processed, or malformed. */
  "envelope-rejected": { readonly from: string; readonly device: number; readonly reason: "replayed" | "malformed" | "invalid-content" };
  /** The contact could not decrypt something and started a new session with this device. */
  "session-reset": { readonly from: string; readonly device: number };
  /** As primary, you signed a device list including this newly linked device. */
  "device-linked": { readonly deviceId: number };
  /** This device was removed from its account or displaced by another connection with its credentials. */
  "device-removed": Record<string, never>;
  /** A background failure that the client survived (logged by apps; no user data in it). */
  error: { readonly error: unknown; readonly during: string };
}
