// Security events, kept apart from the operational log so they can be shipped, retained and
// alerted on separately. An event names the client's address and, where one is known, the account
// id involved; never a password, token, verification code, session id, phone number, username or
// message content.

/** Where an address was checked against the IP rules. */
export type RuleCheckpoint = "connection" | "request" | "upgrade" | "reload";

export type AuditEvent =
  /** Credentials that did not match a device (HTTP request or WebSocket upgrade). */
  | { readonly event: "auth_failed"; readonly ip: string; readonly transport: "http" | "websocket"; readonly account?: string }
  /** Too many failed authentications from an address: it is refused for `seconds`. */
  | { readonly event: "auth_lockout"; readonly ip: string; readonly seconds: number }
  /** A wrong verification code. */
  | { readonly event: "code_failed"; readonly ip: string; readonly attemptsLeft?: number }
  /** A verification session used up its attempts: it is locked. */
  | { readonly event: "code_lockout"; readonly ip: string }
  /** A device-linking token that was unknown, used or expired. */
  | { readonly event: "link_failed"; readonly ip: string }
  /**
   * A wrong registration lock PIN or second factor when registering or linking: `code` is the
   * error code (PIN_INCORRECT, SECOND_FACTOR_INCORRECT, TOTP_CODE_REUSED, CHALLENGE_NOT_FOUND).
   */
  | { readonly event: "factor_failed"; readonly ip: string; readonly account: string; readonly code: string; readonly attemptsLeft?: number }
  /** An account used up its PIN or second-factor attempts for the day: refused until `retryAfterSeconds`. */
  | { readonly event: "factor_lockout"; readonly ip: string; readonly account: string; readonly retryAfterSeconds: number }
  /**
   * The OpenID Connect provider refused a client's request (`endpoint`: authorization, grant,
   * revocation, userinfo; `error`: the OAuth error, e.g. invalid_grant, invalid_client).
   */
  | { readonly event: "oidc_refused"; readonly ip: string; readonly endpoint: string; readonly error: string }
  /** A request refused with 429 RATE_LIMITED. */
  | { readonly event: "rate_limited"; readonly ip: string; readonly limit: string; readonly account?: string; readonly retryAfterSeconds: number }
  /** A connection or request refused (or a socket closed) by the IP rules. */
  | { readonly event: "address_denied"; readonly ip: string; readonly at: RuleCheckpoint }
  /** A connection refused because a cap was reached. */
  | { readonly event: "connection_cap"; readonly ip: string; readonly cap: "total" | "per_ip" | "per_account"; readonly account?: string }
  /** A socket dropped because its unsent data outgrew the bound (a client that does not read). */
  | { readonly event: "slow_reader"; readonly ip: string; readonly account?: string; readonly bufferedBytes: number }
  /** The IP rules file was re-read. */
  | { readonly event: "ip_rules_reloaded"; readonly allow: number; readonly deny: number }
  /** The IP rules file could not be re-read; the previous rules stay in force. */
  | { readonly event: "ip_rules_reload_failed"; readonly reason: string };

export type AuditEventName = AuditEvent["event"];

/** An event as written: `repeated` counts further equal events folded into this line. */
export type AuditRecord = AuditEvent & { readonly repeated?: number };

/**
 * The audit log. `record` never throws and never waits: events may be written later, and a
 * throttling implementation may fold a burst of equal events into one line with a count.
 */
export interface AuditLog {
  record(event: AuditRecord): void;
  /** Re-opens the destination file (after log rotation); a no-op for streams. */
  reopen(): void;
  /** Writes what is buffered and releases the destination. */
  close(): Promise<void>;
}

/** An audit log that keeps events in memory, for tests and embedders that forward them. */
export class MemoryAuditLog implements AuditLog {
  readonly events: AuditRecord[] = [];

  record(event: AuditRecord): void {
    this.events.push(event);
  }

  /** The events named `name`, in order. */
  named<N extends AuditEventName>(name: N): Extract<AuditEvent, { event: N }>[] {
    return this.events.filter((e): e is Extract<AuditEvent, { event: N }> => e.event === name);
  }

  reopen(): void {}

  async close(): Promise<void> {}
}

/** Records nothing: the default when no audit log is configured. */
export const noAuditLog: AuditLog = { record: () => undefined, reopen: () => undefined, close: async () => undefined };
