// What the database commands (backup, restore, db rekey) share.
import type { BackupSummary, ParleyConfig } from "@parley/server";

/** These commands work on the single-node SQLite file; a cluster's data is in PostgreSQL. */
export function assertSingleMode(config: ParleyConfig, command: string): void {
  if (config.mode !== "single") {
    throw new Error(`parley ${command} works on the single-node SQLite database; in cluster mode use PostgreSQL's tools (docs/operations.md)`);
  }
}

export function describeSummary(summary: BackupSummary): string {
  return `${summary.path} (${summary.bytes} bytes: ${summary.accounts} accounts, ${summary.devices} devices, ${summary.envelopes} queued envelopes)`;
}
