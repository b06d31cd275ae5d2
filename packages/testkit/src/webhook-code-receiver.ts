// The receiving end of the webhook verification sender, for tests that run servers as separate
// processes (a cluster's nodes): every node posts its codes here, and tests read them as a phone
// would.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { waitFor } from "./wait-for.js";

export class WebhookCodeReceiver {
  readonly #codes = new Map<string, string>();
  readonly #server = createServer((request, response) => this.#receive(request, response));
  #url = "";

  static async start(): Promise<WebhookCodeReceiver> {
    const receiver = new WebhookCodeReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, "127.0.0.1", resolve));
    receiver.#url = `http://127.0.0.1:${(receiver.#server.address() as { port: number }).port}/codes`;
    return receiver;
  }

  /** The URL to configure as verification.webhookUrl. */
  get url(): string {
    return this.#url;
  }

  /** The latest code sent to `identifier`, once it has arrived (with a deadline). */
  async codeFor(identifier: string): Promise<string> {
    await waitFor(() => this.#codes.has(identifier), { what: `a verification code for ${identifier}`, intervalMs: 10 });
    return this.#codes.get(identifier)!;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #receive(request: IncomingMessage, response: ServerResponse): void {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      try {
        const message = JSON.parse(body) as { identifier?: unknown; code?: unknown };
        if (typeof message.identifier !== "string" || typeof message.code !== "string") throw new Error("not a code");
        this.#codes.set(message.identifier, message.code);
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  }
}
