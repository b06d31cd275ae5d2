// The expiry purge: undelivered envelopes older than the retention period, and expired
// verification sessions, are deleted in bounded batches so one run never holds the store long.
import type { Clock } from "../ports/clock.js";
import type { MailboxStore } from "../ports/mailbox-store.js";
import type { VerificationStore } from "../ports/verification-store.js";
import type { DomainSettings } from "./settings.js";

export interface PurgeResult {
  readonly envelopes: number;
  readonly verificationSessions: number;
  /** OpenID Connect artefacts, sign-ins and retired keys (when the provider is served). */
  readonly oidc?: number;
}

export class RetentionService {
  constructor(
    private readonly deps: {
      readonly mailbox: MailboxStore;
      readonly verification: VerificationStore;
      readonly clock: Clock;
      readonly settings: DomainSettings;
      readonly batchSize?: number;
    },
  ) {}

  async purge(): Promise<PurgeResult> {
    const { mailbox, verification, clock, settings } = this.deps;
    const batch = this.deps.batchSize ?? 5000;
    const now = clock.now();
    const cutoff = now - settings.retention.envelopeTtlMs;
    let envelopes = 0;
    for (;;) {
      const purged = await mailbox.purgeExpired(cutoff, batch);
      envelopes += purged;
      if (purged < batch) break;
    }
    const verificationSessions = await verification.deleteExpired(now);
    return { envelopes, verificationSessions };
  }
}
