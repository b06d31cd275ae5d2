// The client side of the admin socket (./admin-socket.ts): one JSON line out, one JSON line back.
import { createConnection } from "node:net";
import { adminSocketPathOf } from "./admin-socket.js";

/** Why a request got no usable answer (the callers turn it into their own error). */
export class AdminTransportError extends Error {
  override readonly name = "AdminTransportError";
}

/**
 * Sends `request` to the server running on `databasePath` and resolves with its parsed answer, or
 * undefined when no server listens there (no socket file, or one left by a process that died).
 * Rejects with an AdminTransportError on a malformed answer, a connection closed without one, a
 * socket error, or no answer within `timeoutMs`.
 */
export function requestAdmin(databasePath: string, request: object, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(adminSocketPathOf(databasePath));
    let received = "";
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const fail = (message: string, cause?: unknown) => finish(() => reject(new AdminTransportError(message, { cause })));
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") finish(() => resolve(undefined));
      else fail(error.message, error);
    });
    socket.on("data", (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\n");
      if (end < 0) return;
      let answer: unknown;
      try {
        answer = JSON.parse(received.slice(0, end));
      } catch (error) {
        return fail("a malformed answer", error);
      }
      if (typeof answer !== "object" || answer === null) return fail("a malformed answer");
      finish(() => resolve(answer as Record<string, unknown>));
    });
    socket.on("close", () => fail("the connection closed without an answer"));
  });
}
