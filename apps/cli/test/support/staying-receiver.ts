// A device for the cluster tests that stays connected through nginx, reconnecting whenever its
// socket closes (a node died or drained), and counts what it receives by content.
import { decodeEnvelope, deliverPath } from "@parley/protocol";
import { TestSocket, type RegisteredDevice } from "@parley/testkit";

/** A device that stays connected through nginx, reconnecting whenever its socket closes. */
export class StayingReceiver {
  readonly received = new Map<string, number>();
  #socket: TestSocket | undefined;
  #stopped = false;
  #reconnects = 0;

  constructor(
    private readonly url: string,
    readonly device: RegisteredDevice,
  ) {}

  get reconnects(): number {
    return this.#reconnects;
  }

  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      try {
        const socket = await TestSocket.connect(this.url, this.device.credentials, { autoRespond: 200, timeoutMs: 20_000 });
        this.#socket = socket;
        const seen = new Set<unknown>();
        socket.ws.on("message", () => {
          for (const request of socket.received) {
            if (seen.has(request)) continue;
            seen.add(request);
            if (request.path !== deliverPath) continue;
            const body = Buffer.from(decodeEnvelope(request.body).content).toString();
            this.received.set(body, (this.received.get(body) ?? 0) + 1);
          }
        });
        void socket.closed.then(() => {
          if (this.#stopped) return;
          this.#reconnects++;
          void this.#connect();
        });
        return;
      } catch {
        // nginx may still route to a dead node for a moment, or a node may be unable to reach
        // its database: back off briefly, as a client does, and try again.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#socket?.close();
  }
}

