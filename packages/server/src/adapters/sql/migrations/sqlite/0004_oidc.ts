import type { Migration } from "../../migration.js";

/**
 * The OpenID Connect provider ("Sign in with Parley"): its artefacts, registered clients, signing
 * keys, server secrets and the device approvals of sign-ins. With SQLCipher the whole file, the
 * private signing keys included, is encrypted at rest.
 */
export const oidc: Migration = {
  id: 4,
  name: "oidc",
  statements: [
    `CREATE TABLE oidc_artefacts (
      model TEXT NOT NULL,                   -- oidc-provider model: Session, Interaction, Grant, AuthorizationCode, AccessToken, ...
      id TEXT NOT NULL,                      -- the artefact's id within its model (random, from oidc-provider)
      payload TEXT NOT NULL,                 -- oidc-provider's JSON payload, opaque here
      grant_id TEXT,                         -- codes and tokens: their grant, revoked together
      uid TEXT,                              -- sessions: the uid interactions look them up by
      expires_at INTEGER,                    -- ms since the epoch; NULL: no expiry of its own
      consumed_at INTEGER,                   -- ms since the epoch when consumed (a used code); NULL: unused
      PRIMARY KEY (model, id)
    ) STRICT`,
    `CREATE INDEX oidc_artefacts_grant ON oidc_artefacts (grant_id) WHERE grant_id IS NOT NULL`,
    `CREATE INDEX oidc_artefacts_uid ON oidc_artefacts (model, uid) WHERE uid IS NOT NULL`,
    `CREATE INDEX oidc_artefacts_expiry ON oidc_artefacts (expires_at) WHERE expires_at IS NOT NULL`,
    `CREATE TABLE oidc_clients (
      id TEXT NOT NULL PRIMARY KEY,          -- client_id, random
      name TEXT NOT NULL,                    -- shown on the consent screen and the approving device
      secret_hash BLOB,                      -- SHA-256 of the client secret; NULL for public clients
      redirect_uris TEXT NOT NULL,           -- JSON array of exact redirect URIs
      subject_type TEXT NOT NULL,            -- 'pairwise' or 'public'
      created_at INTEGER NOT NULL            -- ms since the epoch
    ) STRICT`,
    `CREATE TABLE oidc_signing_keys (
      kid TEXT NOT NULL PRIMARY KEY,         -- JWK key id
      alg TEXT NOT NULL,                     -- JWS algorithm, e.g. ES256
      private_jwk TEXT NOT NULL,             -- the private key as JWK JSON
      created_at INTEGER NOT NULL,           -- ms since the epoch; the newest unretired key signs
      retired_at INTEGER                     -- ms since the epoch when replaced; NULL while active
    ) STRICT`,
    `CREATE TABLE oidc_secrets (
      name TEXT NOT NULL PRIMARY KEY,        -- 'cookies' (cookie signing), 'subjects' (subject derivation)
      value BLOB NOT NULL                    -- random bytes, made on first start
    ) STRICT`,
    `CREATE TABLE oidc_sign_ins (
      code_hash BLOB NOT NULL PRIMARY KEY,   -- SHA-256 of the normalised code shown in the browser
      interaction_uid TEXT NOT NULL UNIQUE,  -- the oidc-provider interaction waiting for it
      client_id TEXT NOT NULL,               -- the client asking
      client_name TEXT NOT NULL,             -- its name, shown on the approving device
      scopes TEXT NOT NULL,                  -- JSON array of requested scopes
      state TEXT NOT NULL,                   -- 'pending', 'approved' or 'denied'
      account_id TEXT REFERENCES accounts (id) ON DELETE CASCADE, -- the approving account; set when approved
      created_at INTEGER NOT NULL,           -- ms since the epoch
      expires_at INTEGER NOT NULL            -- ms since the epoch, with the interaction
    ) STRICT`,
    `CREATE INDEX oidc_sign_ins_expiry ON oidc_sign_ins (expires_at)`,
  ],
};
