// Keeps a flood from turning into a flood of audit lines: the first event of a kind from an
// address is written at once; equal events that follow within the window are counted and written
// as one line with `repeated: n` when the window ends. Memory is bounded by the distinct kinds and
// addresses seen in one window.
import type { AuditEvent, AuditLog, AuditRecord } from "./audit-log.js";

interface Burst {
  last: AuditEvent;
  repeated: number;
  /** Whether anything arrived in the current window; idle entries are dropped at its end. */
  active: boolean;
}

/** Beyond this many distinct kinds and addresses in one window, further ones are written unfolded. */
const MAX_TRACKED = 50_000;

export class ThrottledAuditLog implements AuditLog {
  readonly #bursts = new Map<string, Burst>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly inner: AuditLog,
    windowMs = 10_000,
  ) {
    this.#timer = setInterval(() => this.flush(), windowMs);
    this.#timer.unref();
  }

  record(event: AuditRecord): void {
    const key = keyOf(event);
    if (key === undefined) return this.inner.record(event);
    const burst = this.#bursts.get(key);
    if (burst !== undefined) {
      burst.last = event;
      burst.repeated++;
      burst.active = true;
      return;
    }
    if (this.#bursts.size < MAX_TRACKED) this.#bursts.set(key, { last: event, repeated: 0, active: true });
    this.inner.record(event);
  }

  /** Writes the counts of the window that ends now. */
  flush(): void {
    for (const [key, burst] of this.#bursts) {
      if (burst.repeated > 0) this.inner.record({ ...burst.last, repeated: burst.repeated });
      if (!burst.active) this.#bursts.delete(key);
      burst.repeated = 0;
      burst.active = false;
    }
  }

  reopen(): void {
    this.inner.reopen();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.flush();
    await this.inner.close();
  }
}

/** What makes two events "the same" for folding; undefined for events that are never folded. */
function keyOf(event: AuditEvent): string | undefined {
  switch (event.event) {
    case "rate_limited":
      return `${event.event}|${event.ip}|${event.limit}|${event.account ?? ""}`;
    case "connection_cap":
      return `${event.event}|${event.ip}|${event.cap}`;
    case "address_denied":
      return `${event.event}|${event.ip}|${event.at}`;
    case "auth_failed":
    case "code_failed":
    case "link_failed":
    case "slow_reader":
      return `${event.event}|${event.ip}`;
    case "factor_failed":
      return `${event.event}|${event.ip}|${event.account}`;
    case "oidc_refused":
      return `${event.event}|${event.ip}|${event.endpoint}|${event.error}`;
    default:
      return undefined;
  }
}
