// The audit log as JSON lines from a pino logger of its own: to stdout (next to the operational
// log, told apart by "log":"audit"), or appended to a file that SIGHUP re-opens after rotation.
import { pino, type DestinationStream, type Logger } from "pino";
import type { AuditLog, AuditRecord } from "./audit-log.js";

type SonicBoom = DestinationStream & { reopen(): void; flushSync(): void; end(): void; once(event: string, listener: () => void): unknown };

export class PinoAuditLog implements AuditLog {
  readonly #logger: Logger;
  readonly #file: SonicBoom | undefined;

  /** `destination`: "stdout", or the path of a file to append to (its directory is created). */
  constructor(destination: string) {
    this.#file = destination === "stdout" ? undefined : (pino.destination({ dest: destination, mkdir: true, sync: false, append: true }) as SonicBoom);
    const options = { base: { log: "audit" }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } };
    // On stdout the lines are written synchronously, like the operational log's, so the two never
    // interleave within a line; audit events are rare (and folded in floods), so this costs little.
    this.#logger = this.#file === undefined ? pino(options, pino.destination({ dest: 1, sync: true })) : pino(options, this.#file);
  }

  record(event: AuditRecord): void {
    this.#logger.warn(event);
  }

  reopen(): void {
    this.#file?.reopen();
  }

  async close(): Promise<void> {
    this.#logger.flush();
    const file = this.#file;
    if (file === undefined) return;
    await new Promise<void>((resolve) => {
      file.once("close", () => resolve());
      file.once("error", () => resolve());
      file.end();
    });
  }
}
