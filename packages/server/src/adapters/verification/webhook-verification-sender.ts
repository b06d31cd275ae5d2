import { createHmac } from "node:crypto";
import type { VerificationSender } from "../../ports/verification-sender.js";

/**
 * Generic gateway sender: POSTs {kind, identifier, code, expiresAt} as JSON to a URL (an SMS or
 * e-mail relay of the operator's). The body is signed with HMAC-SHA256 under a shared secret in
 * the X-Parley-Signature header ("sha256=<hex>"), so the gateway can reject forged requests.
 * Any non-2xx answer, network failure or timeout rejects.
 */
export class WebhookVerificationSender implements VerificationSender {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(message: { kind: string; identifier: string; code: string; expiresAt: number }): Promise<void> {
    const body = JSON.stringify({ kind: message.kind, identifier: message.identifier, code: message.code, expiresAt: message.expiresAt });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.secret) headers["x-parley-signature"] = `sha256=${createHmac("sha256", this.secret).update(body).digest("hex")}`;
    const response = await fetch(this.url, { method: "POST", headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`verification gateway answered ${response.status}`);
  }
}
