// All sessions with one remote device: the current one and up to 40 archived ones, newest first.
// Archived sessions are tried on decrypt, because the peer may still be sending on a session that
// this side replaced (both started sessions at once, or a PreKey message arrived late).
import { bytesEqual } from "./bytes.js";
import { decodeSessionRecord, encodeSessionRecord } from "./session-codec.js";
import { cloneSessionState, type SessionState } from "./session-state.js";

export const MAX_ARCHIVED_STATES = 40;

export class SessionRecord {
  constructor(
    private current: SessionState | undefined = undefined,
    private previous: SessionState[] = [],
  ) {}

  static deserialize(bytes: Uint8Array): SessionRecord {
    const { current, previous } = decodeSessionRecord(bytes);
    return new SessionRecord(current, previous);
  }

  serialize(): Uint8Array {
    return encodeSessionRecord(this.current, this.previous);
  }

  clone(): SessionRecord {
    return new SessionRecord(this.current && cloneSessionState(this.current), this.previous.map(cloneSessionState));
  }

  get currentState(): SessionState | undefined {
    return this.current;
  }

  get previousStates(): readonly SessionState[] {
    return this.previous;
  }

  /** True when a current session exists that can send. */
  hasCurrentSession(): boolean {
    return this.current !== undefined;
  }

  /** The registration id the remote device announced, if a session exists. */
  remoteRegistrationId(): number | undefined {
    return this.current?.remoteRegistrationId;
  }

  setCurrentState(state: SessionState): void {
    this.current = state;
  }

  /** Makes `state` current, archiving the current one. */
  promoteState(state: SessionState): void {
    this.archiveCurrentState();
    this.current = state;
  }

  /** Moves the current session to the archive, so the next send must start a new one. */
  archiveCurrentState(): void {
    if (!this.current) return;
    this.previous.unshift(this.current);
    if (this.previous.length > MAX_ARCHIVED_STATES) this.previous.length = MAX_ARCHIVED_STATES;
    this.current = undefined;
  }

  /** Makes archived state `index` current (replaced by `state`), archiving the current one. */
  promoteArchived(index: number, state: SessionState): void {
    this.previous.splice(index, 1);
    this.promoteState(state);
  }

  /**
   * If a session started by Alice's `baseKey` exists, makes it current and returns true: the
   * PreKey message repeats a session this side already has.
   */
  promoteMatchingSession(version: number, baseKey: Uint8Array): boolean {
    const matches = (state: SessionState) => state.version === version && state.aliceBaseKey !== undefined && bytesEqual(state.aliceBaseKey, baseKey);
    if (this.current && matches(this.current)) return true;
    const index = this.previous.findIndex(matches);
    if (index < 0) return false;
    this.promoteArchived(index, this.previous[index]!);
    return true;
  }
}
