// The IPC messages between the relay benchmark and its server process (bench/relay/server-main.ts).
// The parent asks, the server answers with the same `id`; the server also sends, unasked, its URL
// once listening and every verification code it would have texted.

export interface DeviceRef {
  readonly accountId: string;
  readonly deviceId: number;
}

export type ParentRequest =
  /** Runs a full garbage collection (the server runs with --expose-gc), so RSS readings settle. */
  | { readonly id: number; readonly op: "gc" }
  /** How many envelopes are still queued for these devices. */
  | { readonly id: number; readonly op: "count"; readonly devices: readonly DeviceRef[] }
  /** Starts a V8 CPU profile of the server's main thread. */
  | { readonly id: number; readonly op: "profile-start" }
  /** Stops the profile and writes it (a .cpuprofile file) to `path`. */
  | { readonly id: number; readonly op: "profile-stop"; readonly path: string }
  /** Starts recording the main thread's event-loop delay. */
  | { readonly id: number; readonly op: "loop-delay-start" }
  /** Stops recording; answers the p99 event-loop delay since the start, in ms. */
  | { readonly id: number; readonly op: "loop-delay-stop" }
  /** Graceful stop; the process exits after answering. */
  | { readonly id: number; readonly op: "stop" };

export type ServerMessage =
  | { readonly type: "listening"; readonly url: string }
  | { readonly type: "code"; readonly identifier: string; readonly code: string }
  | { readonly type: "answer"; readonly id: number; readonly value: number }
  | { readonly type: "failed"; readonly id: number; readonly message: string };

/** Narrows a message that arrived over IPC; undefined for anything unexpected. */
export function asServerMessage(raw: unknown): ServerMessage | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m["type"]) {
    case "listening":
      return typeof m["url"] === "string" ? { type: "listening", url: m["url"] } : undefined;
    case "code":
      return typeof m["identifier"] === "string" && typeof m["code"] === "string"
        ? { type: "code", identifier: m["identifier"], code: m["code"] }
        : undefined;
    case "answer":
      return typeof m["id"] === "number" && typeof m["value"] === "number" ? { type: "answer", id: m["id"], value: m["value"] } : undefined;
    case "failed":
      return typeof m["id"] === "number" && typeof m["message"] === "string"
        ? { type: "failed", id: m["id"], message: m["message"] }
        : undefined;
    default:
      return undefined;
  }
}

/** Narrows a request that arrived over IPC; undefined for anything unexpected. */
export function asParentRequest(raw: unknown): ParentRequest | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const id = m["id"];
  if (typeof id !== "number") return undefined;
  if (m["op"] === "gc" || m["op"] === "stop" || m["op"] === "profile-start" || m["op"] === "loop-delay-start" || m["op"] === "loop-delay-stop") {
    return { id, op: m["op"] };
  }
  if (m["op"] === "profile-stop" && typeof m["path"] === "string") return { id, op: "profile-stop", path: m["path"] };
  if (m["op"] === "count" && Array.isArray(m["devices"])) {
    const devices = (m["devices"] as unknown[]).filter(
      (d): d is DeviceRef =>
        typeof d === "object" && d !== null && typeof (d as DeviceRef).accountId === "string" && typeof (d as DeviceRef).deviceId === "number",
    );
    return { id, op: "count", devices };
  }
  return undefined;
}
