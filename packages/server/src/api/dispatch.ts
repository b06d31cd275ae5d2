// The transport-independent part of handling one request: authenticate, decode and validate the
// body, call the handler, and turn any failure into an error response with a stable code.
import { contentTypes, ErrorCode, type ErrorBody } from "@parley/protocol";
import { ApiError } from "../domain/api-error.js";
import type { DeviceAuth } from "../domain/authenticator.js";
import type { ClientAddress } from "../security/client-address.js";
import type { Route, RouteResponse } from "./route.js";
import type { Services } from "./services.js";
import { parseJsonBody, type BodyValidator } from "./validation.js";

export interface IncomingRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  /** An already authenticated device (the WebSocket's), or the Authorization header to check. */
  readonly auth: DeviceAuth | { readonly header: string | undefined };
  /** Who sent the request, when the transport knows (rate limits and the audit log key on it). */
  readonly client?: ClientAddress;
}

export interface Dispatcher {
  dispatch(route: Route, request: IncomingRequest): Promise<DispatchResult>;
}

export interface DispatchResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Reports unexpected failures (the only ones logged with their stack). */
export type FaultReporter = (error: unknown, route: Route) => void;

export function createDispatcher(services: Services, validator: BodyValidator, onFault: FaultReporter): Dispatcher {
  return {
    async dispatch(route, request) {
      try {
        // A WebSocket request arrives authenticated (no await then); HTTP brings its header.
        const auth =
          route.auth !== "device"
            ? undefined
            : "header" in request.auth
              ? await services.authenticator.authenticateHeader(request.auth.header)
              : request.auth;
        let body: unknown;
        let binaryBody: Uint8Array | undefined;
        const type = mediaType(request.contentType);
        if (route.protobufBody && type === contentTypes.protobuf) {
          binaryBody = request.body;
        } else if (route.body) {
          if (type !== undefined && type !== contentTypes.json) {
            throw new ApiError(ErrorCode.UnsupportedMediaType, `send ${contentTypes.json}${route.protobufBody ? ` or ${contentTypes.protobuf}` : ""}`);
          }
          body = validator.validate(route.body, parseJsonBody(request.body) ?? {});
        }
        const response: RouteResponse = await route.handle({ auth, params: request.params, body, binaryBody, client: request.client });
        return { status: response.status, body: response.body };
      } catch (error) {
        return errorResult(error, (e) => onFault(e, route));
      }
    },
  };
}

function mediaType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  if (contentType === contentTypes.protobuf || contentType === contentTypes.json) return contentType;
  const semicolon = contentType.indexOf(";");
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** The response for a failure: ApiErrors as they are, anything else as a 500 INTERNAL. */
export function errorResult(error: unknown, onFault: (error: unknown) => void): DispatchResult {
  if (error instanceof ApiError) {
    const body: ErrorBody = { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
    return { status: error.status, body, ...(error.headers ? { headers: error.headers } : {}) };
  }
  onFault(error);
  const body: ErrorBody = { code: ErrorCode.Internal, message: "internal error" };
  return { status: 500, body };
}
