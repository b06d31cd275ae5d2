import type {
  OidcArtefactRecord,
  OidcClientRecord,
  OidcSignInDecision,
  OidcSignInRecord,
  OidcSigningKeyRecord,
  OidcStore,
  StoredOidcArtefact,
} from "../../ports/index.js";
import { copyBytes, hex } from "./memory-state.js";

interface MemoryArtefact {
  readonly record: OidcArtefactRecord;
  consumedAt: number | null;
}

const live = (expiresAt: number | null, now: number) => expiresAt === null || expiresAt > now;
const artefactKey = (model: string, id: string) => `${model}\u0000${id}`;

function copyClient(client: OidcClientRecord): OidcClientRecord {
  return { ...client, secretHash: client.secretHash && copyBytes(client.secretHash), redirectUris: [...client.redirectUris] };
}

function copySignIn(signIn: OidcSignInRecord): OidcSignInRecord {
  return { ...signIn, codeHash: copyBytes(signIn.codeHash), scopes: [...signIn.scopes] };
}

/**
 * OidcStore in this process's memory; each call is one synchronous step, which makes every
 * compare-and-change atomic. The provider's state does not span the other stores, so it keeps
 * maps of its own rather than parts of MemoryState.
 */
export class InMemoryOidcStore implements OidcStore {
  readonly #artefacts = new Map<string, MemoryArtefact>();
  readonly #clients = new Map<string, OidcClientRecord>();
  readonly #keys = new Map<string, OidcSigningKeyRecord>();
  readonly #secrets = new Map<string, Uint8Array>();
  /** By hex code hash. */
  readonly #signIns = new Map<string, OidcSignInRecord>();

  async upsertArtefact(record: OidcArtefactRecord): Promise<void> {
    this.#artefacts.set(artefactKey(record.model, record.id), { record: { ...record }, consumedAt: null });
  }

  async findArtefact(model: string, id: string, now: number): Promise<StoredOidcArtefact | undefined> {
    const found = this.#artefacts.get(artefactKey(model, id));
    if (found === undefined || !live(found.record.expiresAt, now)) return undefined;
    return { payload: found.record.payload, consumedAt: found.consumedAt };
  }

  async findArtefactByUid(model: string, uid: string, now: number): Promise<StoredOidcArtefact | undefined> {
    for (const found of this.#artefacts.values()) {
      if (found.record.model === model && found.record.uid === uid && live(found.record.expiresAt, now)) {
        return { payload: found.record.payload, consumedAt: found.consumedAt };
      }
    }
    return undefined;
  }

  async consumeArtefact(model: string, id: string, at: number): Promise<void> {
    const found = this.#artefacts.get(artefactKey(model, id));
    if (found !== undefined) found.consumedAt = at;
  }

  async destroyArtefact(model: string, id: string): Promise<void> {
    this.#artefacts.delete(artefactKey(model, id));
  }

  async revokeGrant(grantId: string): Promise<void> {
    for (const [key, found] of this.#artefacts) if (found.record.grantId === grantId) this.#artefacts.delete(key);
  }

  async addClient(client: OidcClientRecord): Promise<void> {
    if (this.#clients.has(client.id)) throw new Error("duplicate client id");
    this.#clients.set(client.id, copyClient(client));
  }

  async findClient(id: string): Promise<OidcClientRecord | undefined> {
    const client = this.#clients.get(id);
    return client && copyClient(client);
  }

  async listClients(): Promise<OidcClientRecord[]> {
    return [...this.#clients.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).map(copyClient);
  }

  async removeClient(id: string): Promise<boolean> {
    return this.#clients.delete(id);
  }

  async listSigningKeys(): Promise<OidcSigningKeyRecord[]> {
    return [...this.#keys.values()].sort((a, b) => b.createdAt - a.createdAt || b.kid.localeCompare(a.kid)).map((key) => ({ ...key }));
  }

  async addFirstSigningKey(key: OidcSigningKeyRecord): Promise<boolean> {
    if ([...this.#keys.values()].some((existing) => existing.retiredAt === null)) return false;
    this.#keys.set(key.kid, { ...key });
    return true;
  }

  async rotateSigningKeys(key: OidcSigningKeyRecord): Promise<void> {
    if (this.#keys.has(key.kid)) throw new Error("duplicate key id");
    for (const [kid, existing] of this.#keys) if (existing.retiredAt === null) this.#keys.set(kid, { ...existing, retiredAt: key.createdAt });
    this.#keys.set(key.kid, { ...key, retiredAt: null });
  }

  async deleteSigningKeysRetiredBefore(cutoff: number): Promise<number> {
    let deleted = 0;
    for (const [kid, key] of this.#keys) {
      if (key.retiredAt !== null && key.retiredAt < cutoff) {
        this.#keys.delete(kid);
        deleted += 1;
      }
    }
    return deleted;
  }

  async ensureSecret(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    if (!this.#secrets.has(name)) this.#secrets.set(name, copyBytes(candidate));
    return copyBytes(this.#secrets.get(name)!);
  }

  async createSignIn(signIn: OidcSignInRecord): Promise<void> {
    for (const [key, existing] of this.#signIns) if (existing.interactionUid === signIn.interactionUid) this.#signIns.delete(key);
    const key = hex(signIn.codeHash);
    if (this.#signIns.has(key)) throw new Error("duplicate sign-in code");
    this.#signIns.set(key, copySignIn(signIn));
  }

  async findPendingSignIn(codeHash: Uint8Array, now: number): Promise<OidcSignInRecord | undefined> {
    const signIn = this.#signIns.get(hex(codeHash));
    return signIn && signIn.state === "pending" && signIn.expiresAt > now ? copySignIn(signIn) : undefined;
  }

  async findSignInByInteraction(interactionUid: string, now: number): Promise<OidcSignInRecord | undefined> {
    for (const signIn of this.#signIns.values()) {
      if (signIn.interactionUid === interactionUid && signIn.expiresAt > now) return copySignIn(signIn);
    }
    return undefined;
  }

  async decideSignIn(codeHash: Uint8Array, decision: OidcSignInDecision, now: number): Promise<boolean> {
    const key = hex(codeHash);
    const signIn = this.#signIns.get(key);
    if (signIn === undefined || signIn.state !== "pending" || signIn.expiresAt <= now) return false;
    this.#signIns.set(key, decision.approve ? { ...signIn, state: "approved", accountId: decision.accountId } : { ...signIn, state: "denied" });
    return true;
  }

  async takeApprovedSignIn(interactionUid: string, now: number): Promise<OidcSignInRecord | undefined> {
    for (const [key, signIn] of this.#signIns) {
      if (signIn.interactionUid === interactionUid && signIn.state === "approved" && signIn.expiresAt > now) {
        this.#signIns.delete(key);
        return signIn;
      }
    }
    return undefined;
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const [key, found] of this.#artefacts) {
      if (!live(found.record.expiresAt, now)) {
        this.#artefacts.delete(key);
        deleted += 1;
      }
    }
    for (const [key, signIn] of this.#signIns) {
      if (signIn.expiresAt <= now) {
        this.#signIns.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }
}
