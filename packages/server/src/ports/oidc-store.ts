/**
 * One artefact of the OpenID Connect provider (a session, interaction, grant, authorization code,
 * access token...), stored as the opaque JSON payload oidc-provider hands its adapter.
 */
export interface OidcArtefactRecord {
  /** oidc-provider's model name: "Session", "Interaction", "Grant", "AuthorizationCode", ... */
  readonly model: string;
  readonly id: string;
  /** The payload as JSON text; the store never looks inside. */
  readonly payload: string;
  /** The grant the artefact belongs to (tokens and codes), for revoking them together. */
  readonly grantId: string | null;
  /** Sessions only: the session's uid, by which interactions find it. */
  readonly uid: string | null;
  /** When it stops being returned (ms since the epoch); null: never on its own. */
  readonly expiresAt: number | null;
}

/** A stored artefact as read back. */
export interface StoredOidcArtefact {
  readonly payload: string;
  /** When it was consumed (a used authorization code), in ms; null while unused. */
  readonly consumedAt: number | null;
}

/** A third-party application allowed to ask for sign-ins. */
export interface OidcClientRecord {
  readonly id: string;
  readonly name: string;
  /** SHA-256 of the client secret for confidential clients; null for public (PKCE-only) ones. */
  readonly secretHash: Uint8Array | null;
  readonly redirectUris: readonly string[];
  /** pairwise: a different subject per client (the default); public: one per account. */
  readonly subjectType: "pairwise" | "public";
  readonly createdAt: number;
}

/** A key the provider signs ID tokens with. */
export interface OidcSigningKeyRecord {
  /** The JWK key id. */
  readonly kid: string;
  readonly alg: string;
  /** The private JWK as JSON text. */
  readonly privateJwk: string;
  readonly createdAt: number;
  /** When a newer key replaced it (ms); null while it may sign. */
  readonly retiredAt: number | null;
}

export type OidcSignInState = "pending" | "approved" | "denied";

/** A sign-in waiting for (or answered by) one of the user's devices. */
export interface OidcSignInRecord {
  /** SHA-256 of the normalised code shown in the browser; the code itself is never stored. */
  readonly codeHash: Uint8Array;
  /** The oidc-provider interaction the browser is in; one sign-in per interaction. */
  readonly interactionUid: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly state: OidcSignInState;
  /** The approving device's account; set exactly when state is "approved". */
  readonly accountId: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** What a device decides about a pending sign-in. */
export type OidcSignInDecision = { readonly approve: true; readonly accountId: string } | { readonly approve: false };

/**
 * Everything the OpenID Connect provider keeps: its artefacts, the registered clients, its signing
 * keys, server secrets, and the device approvals of sign-ins. Every node of a cluster reads the
 * same rows, so a sign-in shown by one node can be approved through another.
 *
 * Guarantees: every write is durable when it resolves. Expired artefacts and sign-ins are never
 * returned (at the `now` given), even before `deleteExpired` removes them. `decideSignIn` changes
 * a pending, unexpired sign-in at most once; `takeApprovedSignIn` returns an approval at most
 * once (it deletes it). `ensureSecret` returns the same value to every caller, also when several
 * nodes call it at once for the first time.
 */
export interface OidcStore {
  /** Inserts or replaces the artefact with this model and id (clearing any consumption). */
  upsertArtefact(record: OidcArtefactRecord): Promise<void>;
  findArtefact(model: string, id: string, now: number): Promise<StoredOidcArtefact | undefined>;
  /** The session whose uid is `uid`. */
  findArtefactByUid(model: string, uid: string, now: number): Promise<StoredOidcArtefact | undefined>;
  /** Marks the artefact consumed at `at` (ms); nothing when it does not exist. */
  consumeArtefact(model: string, id: string, at: number): Promise<void>;
  destroyArtefact(model: string, id: string): Promise<void>;
  /** Deletes every artefact of the grant (its codes and tokens). */
  revokeGrant(grantId: string): Promise<void>;

  /** Adds a client; rejects when its id exists. */
  addClient(client: OidcClientRecord): Promise<void>;
  findClient(id: string): Promise<OidcClientRecord | undefined>;
  /** Every client, oldest first. */
  listClients(): Promise<OidcClientRecord[]>;
  /** False when no such client existed. */
  removeClient(id: string): Promise<boolean>;

  /** Every signing key, newest first (by createdAt, then kid). */
  listSigningKeys(): Promise<OidcSigningKeyRecord[]>;
  /** Adds `key` when no unretired key exists; returns whether it did. */
  addFirstSigningKey(key: OidcSigningKeyRecord): Promise<boolean>;
  /** Adds `key` and retires every other unretired key at `key.createdAt`, atomically. */
  rotateSigningKeys(key: OidcSigningKeyRecord): Promise<void>;
  /** Deletes keys retired before `cutoff` (ms); returns how many. */
  deleteSigningKeysRetiredBefore(cutoff: number): Promise<number>;

  /** The secret stored under `name`, storing `candidate` first when there is none. */
  ensureSecret(name: string, candidate: Uint8Array): Promise<Uint8Array>;

  /** Stores a pending sign-in, replacing any earlier one of the same interaction. */
  createSignIn(signIn: OidcSignInRecord): Promise<void>;
  /** The pending, unexpired sign-in with this code hash. */
  findPendingSignIn(codeHash: Uint8Array, now: number): Promise<OidcSignInRecord | undefined>;
  /** The unexpired sign-in of the interaction, in whatever state. */
  findSignInByInteraction(interactionUid: string, now: number): Promise<OidcSignInRecord | undefined>;
  /** Approves or denies the pending, unexpired sign-in with this code hash; false when none. */
  decideSignIn(codeHash: Uint8Array, decision: OidcSignInDecision, now: number): Promise<boolean>;
  /** Deletes and returns the interaction's approved, unexpired sign-in. */
  takeApprovedSignIn(interactionUid: string, now: number): Promise<OidcSignInRecord | undefined>;

  /** Deletes artefacts and sign-ins expired before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}
