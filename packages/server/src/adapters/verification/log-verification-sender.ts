import type { Logger } from "pino";
import type { VerificationSender } from "../../ports/verification-sender.js";

/**
 * Development sender: writes the code to the server log, so a local server works with no SMS
 * gateway. Never use it where the log is readable by others than the identifier's owner.
 */
export class LogVerificationSender implements VerificationSender {
  constructor(private readonly logger: Logger) {}

  async send(message: { kind: string; identifier: string; code: string; expiresAt: number }): Promise<void> {
    this.logger.warn(
      { verification: { kind: message.kind, identifier: message.identifier, code: message.code } },
      "verification code (log sender, for development only)",
    );
  }
}
