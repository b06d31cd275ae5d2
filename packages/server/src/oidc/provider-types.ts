// oidc-provider ships no type declarations. This file types the part of it Parley uses, and
// loads the module through a specifier TypeScript does not resolve, so no other package that
// compiles the server's sources needs declarations for it either. It is loaded only when the
// OpenID Connect provider is enabled.
import type { IncomingMessage, ServerResponse } from "node:http";

/** What oidc-provider asks its storage adapter for (one adapter per model). */
export interface ProviderAdapter {
  upsert(id: string, payload: Record<string, unknown>, expiresIn: number | undefined): Promise<void>;
  find(id: string): Promise<Record<string, unknown> | undefined>;
  findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
  findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** The registered client as oidc-provider hands it to configuration callbacks. */
export interface ProviderClient {
  readonly clientId: string;
  readonly clientName?: string;
  readonly [metadata: string]: unknown;
}

export interface InteractionDetails {
  readonly uid: string;
  readonly exp: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly prompt: { readonly name: string; readonly details: Readonly<Record<string, unknown>> };
  readonly session?: { readonly accountId?: string };
  readonly grantId?: string;
}

export interface ProviderGrant {
  addOIDCScope(scope: string): void;
  rejectOIDCScope(scope: string): void;
  addOIDCClaims(claims: readonly string[]): void;
  save(): Promise<string>;
}

export interface Provider {
  readonly issuer: string;
  proxy: boolean;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): void;
  readonly Client: {
    find(id: string): Promise<ProviderClient | undefined>;
    validate(metadata: Record<string, unknown>): Promise<void>;
    readonly prototype: { compareClientSecret(actual: string): boolean | Promise<boolean> };
  };
  readonly Grant: {
    new (properties: { accountId: string; clientId: string }): ProviderGrant;
    find(id: string): Promise<ProviderGrant | undefined>;
  };
}

export type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => Provider;

const moduleName: string = "oidc-provider";

export async function loadProvider(): Promise<ProviderConstructor> {
  const loaded = (await import(moduleName)) as { default: ProviderConstructor };
  return loaded.default;
}
