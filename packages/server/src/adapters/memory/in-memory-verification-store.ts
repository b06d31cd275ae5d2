import type { VerificationSessionRecord, VerificationStore } from "../../ports/index.js";
import { copyBytes, type MemoryState } from "./memory-state.js";

function copySession(session: VerificationSessionRecord): VerificationSessionRecord {
  return { ...session, codeHash: copyBytes(session.codeHash) };
}

/** VerificationStore over the shared in-memory state; each call is one synchronous step. */
export class InMemoryVerificationStore implements VerificationStore {
  readonly #sessions: Map<string, VerificationSessionRecord>;

  constructor(state: MemoryState) {
    this.#sessions = state.verificationSessions;
  }

  async create(session: VerificationSessionRecord): Promise<void> {
    if (this.#sessions.has(session.id)) throw new Error("duplicate verification session id");
    this.#sessions.set(session.id, copySession(session));
  }

  async get(id: string): Promise<VerificationSessionRecord | undefined> {
    const session = this.#sessions.get(id);
    return session === undefined ? undefined : copySession(session);
  }

  async recordAttempt(id: string): Promise<VerificationSessionRecord | undefined> {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    const updated = { ...session, attempts: session.attempts + 1 };
    this.#sessions.set(id, updated);
    return copySession(updated);
  }

  async markVerified(id: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (session !== undefined) this.#sessions.set(id, { ...session, verified: true });
  }

  async consume(id: string, now: number): Promise<VerificationSessionRecord | undefined> {
    const session = this.#sessions.get(id);
    if (session === undefined || !session.verified || session.expiresAt <= now) return undefined;
    this.#sessions.delete(id);
    return session;
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt < now) {
        this.#sessions.delete(id);
        deleted += 1;
      }
    }
    return deleted;
  }
}
