import { ErrorCode, type ErrorBody, type RequestFrame } from "@parley/protocol";
import type { Dispatcher } from "../api/dispatch.js";
import type { DeviceAuth } from "../domain/authenticator.js";
import type { ClientAddress } from "../security/client-address.js";
import type { FrameRouter } from "./frame-router.js";
import type { RequestHandler } from "./frame-socket.js";

const jsonHeaders = { "content-type": "application/json" };
const empty = new Uint8Array(0);

function json(status: number, body: unknown, extraHeaders?: Readonly<Record<string, string>>) {
  // A Buffer is a Uint8Array; encodeFrame copies it into the frame, so no copy is made here.
  const headers = extraHeaders ? { ...jsonHeaders, ...extraHeaders } : jsonHeaders;
  return { status, headers, body: body === undefined ? empty : Buffer.from(JSON.stringify(body)) };
}

/**
 * Answers a device's request frames through the shared dispatcher, authenticated as `auth`, as
 * requests of `client` (the socket's address); response headers (Retry-After) go into the frame.
 */
export function deviceRequestHandler(router: FrameRouter, dispatcher: Dispatcher, auth: DeviceAuth | undefined, client?: ClientAddress): RequestHandler {
  return async (request: RequestFrame) => {
    const match = router.match(request.verb, request.path);
    if (!match || (match.route.auth === "device" && !auth)) {
      const body: ErrorBody = { code: ErrorCode.RouteNotFound, message: "no such route on this socket" };
      return json(404, body);
    }
    const result = await dispatcher.dispatch(match.route, {
      params: match.params,
      contentType: request.headers["content-type"],
      body: request.body,
      auth: auth ?? { header: request.headers["authorization"] },
      client,
    });
    return json(result.status, result.status === 204 ? undefined : result.body, result.headers);
  };
}
