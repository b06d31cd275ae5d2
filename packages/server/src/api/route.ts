// One route table serves HTTP and WebSocket requests alike: each transport parses its own
// framing, then calls the same handler with the same validated input.
import type { TSchema, Verb } from "@parley/protocol";
import type { DeviceAuth } from "../domain/authenticator.js";
import type { ClientAddress } from "../security/client-address.js";

export interface RouteRequest {
  /** The authenticated device; always set on routes with `auth: "device"`. */
  readonly auth: DeviceAuth | undefined;
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body, already validated against the route's `body` schema. */
  readonly body: unknown;
  /** The raw body when the route accepts protobuf and the request used it. */
  readonly binaryBody: Uint8Array | undefined;
  /** Who sent the request (behind trusted proxies: the client they name); absent when unknown. */
  readonly client?: ClientAddress;
}

export interface RouteResponse {
  readonly status: number;
  /** Serialized as JSON; absent for 204. */
  readonly body?: unknown;
}

export interface Route {
  readonly method: Verb;
  /** find-my-way syntax: /v1/keys/:accountId/:deviceId */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth: "device" | "none";
  readonly params?: TSchema;
  /** JSON body schema; requests without one get an empty body. */
  readonly body?: TSchema;
  /** Whether an application/x-protobuf body is accepted instead of JSON. */
  readonly protobufBody?: boolean;
  /** Status → response schema (null for an empty body), for the OpenAPI document. */
  readonly responses: Readonly<Record<number, TSchema | null>>;
  handle(request: RouteRequest): Promise<RouteResponse>;
}
