// oidc-provider's storage adapter on the OidcStore port: one adapter per model. Artefacts are
// opaque JSON with an expiry; clients come from the registered-clients table (read-only here,
// since dynamic registration is off).
import type { OidcStore } from "../ports/oidc-store.js";
import { clientMetadataOf } from "./client-metadata.js";
import type { ProviderAdapter } from "./provider-types.js";

/** The factory oidc-provider calls with each model name. */
export function storeAdapterFactory(store: OidcStore, now: () => number): (model: string) => ProviderAdapter {
  return (model) => (model === "Client" ? new ClientAdapter(store) : new ArtefactAdapter(model, store, now));
}

class ArtefactAdapter implements ProviderAdapter {
  constructor(
    private readonly model: string,
    private readonly store: OidcStore,
    private readonly now: () => number,
  ) {}

  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number | undefined): Promise<void> {
    await this.store.upsertArtefact({
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grantId: typeof payload["grantId"] === "string" ? payload["grantId"] : null,
      uid: this.model === "Session" && typeof payload["uid"] === "string" ? payload["uid"] : null,
      expiresAt: typeof expiresIn === "number" ? this.now() + expiresIn * 1000 : null,
    });
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    return payloadOf(await this.store.findArtefact(this.model, id, this.now()));
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    return payloadOf(await this.store.findArtefactByUid(this.model, uid, this.now()));
  }

  async findByUserCode(): Promise<Record<string, unknown> | undefined> {
    // The device flow is off: no artefact has a user code.
    return undefined;
  }

  async consume(id: string): Promise<void> {
    await this.store.consumeArtefact(this.model, id, this.now());
  }

  async destroy(id: string): Promise<void> {
    await this.store.destroyArtefact(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.revokeGrant(grantId);
  }
}

/** The payload with `consumed` (epoch seconds) where the artefact was consumed, as oidc-provider expects. */
function payloadOf(found: { payload: string; consumedAt: number | null } | undefined): Record<string, unknown> | undefined {
  if (found === undefined) return undefined;
  const payload = JSON.parse(found.payload) as Record<string, unknown>;
  return found.consumedAt === null ? payload : { ...payload, consumed: Math.floor(found.consumedAt / 1000) };
}

class ClientAdapter implements ProviderAdapter {
  constructor(private readonly store: OidcStore) {}

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const client = await this.store.findClient(id);
    return client && clientMetadataOf(client);
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  // Clients change only through the admin commands, never through the provider.
  async upsert(): Promise<void> {
    throw new Error("clients are registered with `parley oidc clients add`");
  }

  async consume(): Promise<void> {}

  async destroy(): Promise<void> {
    throw new Error("clients are removed with `parley oidc clients remove`");
  }

  async revokeByGrantId(): Promise<void> {}
}
