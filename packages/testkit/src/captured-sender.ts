import type { VerificationSender } from "@parley/server";

/** A verification sender that keeps the codes, so tests can read them as a phone would. */
export class CapturedVerificationSender implements VerificationSender {
  readonly sent: { kind: string; identifier: string; code: string; expiresAt: number }[] = [];
  failNext = false;

  async send(message: { kind: string; identifier: string; code: string; expiresAt: number }): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("gateway down");
    }
    this.sent.push({ ...message });
  }

  /** The latest code sent to `identifier`. */
  codeFor(identifier: string): string {
    for (let i = this.sent.length - 1; i >= 0; i--) if (this.sent[i]!.identifier === identifier) return this.sent[i]!.code;
    throw new Error(`no code was sent to ${identifier}`);
  }
}
