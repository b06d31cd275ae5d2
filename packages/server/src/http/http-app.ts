// The HTTP transport: fastify serving the route table, with the OpenAPI document generated from
// the same schemas. Bodies are read raw and validated by the shared dispatcher, so HTTP and
// WebSocket requests are checked by the same code.
import swagger from "@fastify/swagger";
import { ErrorCode, schemas, type ErrorBody } from "@parley/protocol";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TlsOptions } from "node:tls";
import type { Logger } from "pino";
import type { Dispatcher } from "../api/dispatch.js";
import type { Route } from "../api/route.js";
import type { ClientAddress } from "../security/client-address.js";
import type { Refusal } from "../security/security.js";

export interface HttpAppOptions {
  readonly routes: readonly Route[];
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  /** Largest request body accepted (413 BODY_TOO_LARGE beyond). */
  readonly maxBodyBytes: number;
  readonly version: string;
  readonly isDraining: () => boolean;
  /** The Prometheus exposition served at GET /metrics; no such route without it. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Serve HTTPS (and WSS) only, with these options (./tls-options.ts); plain HTTP otherwise. */
  readonly tls?: TlsOptions;
  /** Strict-Transport-Security value sent on every response (with `tls` only). */
  readonly hsts?: string;
  /** Who sent a request, and whether to refuse it before routing (IP rules, request budget). */
  readonly screen?: {
    clientOf(request: IncomingMessage): ClientAddress;
    refuse(client: ClientAddress): Promise<Refusal | undefined>;
  };
  /**
   * Requests this takes (the OpenID Connect provider under /oidc) go to it with the raw request
   * and response, body unread, after the draining check and the screen.
   */
  readonly mount?: {
    matches(path: string): boolean;
    handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  };
}

/** How often Node checks open connections against the header and request timeouts (ms). */
const timeoutSweepMs = 2000;

/** Failures any route can answer with, listed in the OpenAPI document next to its own. */
const commonErrors: Record<number, string> = {
  400: "INVALID_REQUEST: the body or a parameter breaks the schema",
  413: "BODY_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  500: "INTERNAL",
  503: "UNAVAILABLE: the server is draining",
  403: "ADDRESS_DENIED: the client's address is refused by the IP rules",
  429: "RATE_LIMITED: too many requests; see Retry-After",
};

export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // No per-request log lines: they would cost on the hot path and carry account ids.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: false,
    // Requests that never reach a route get the documented error bodies too: a path that cannot
    // be percent-decoded names no route (as over the WebSocket), and a request Node's parser
    // refuses is malformed. A client too slow to send its request head is disconnected unanswered.
    // Fastify answers these before any onRequest hook, so the screen is asked here too: a denied
    // or rate-limited client gets its refusal, not a 404 for every path it cannot decode.
    frameworkErrors: (_error, request, untyped) =>
      void (async () => {
        const reply = untyped as unknown as FastifyReply;
        const refused = options.screen && (await options.screen.refuse(options.screen.clientOf(request.raw)));
        if (refused) return reply.code(refused.status).headers(refused.headers).type("application/json").send(refused.body);
        return routeNotFound(reply);
      })(),
    clientErrorHandler: (error, socket) => {
      if (socket.destroyed || error.code === "ECONNRESET") return;
      if (error.code !== "ERR_HTTP_REQUEST_TIMEOUT" && socket.writable) {
        const body = JSON.stringify({ code: ErrorCode.InvalidRequest, message: "malformed HTTP request" } satisfies ErrorBody);
        socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      }
      socket.destroy();
    },
    // Typed as the plain HTTP instance either way: the routes and the upgrade handler only use
    // what https.Server shares with http.Server. Node would answer an HTTP/1.1 request without a
    // Host header with a bare 400; no route reads Host, so such requests are served like others.
    // Node enforces the header and request timeouts (slow clients) on a periodic sweep, every
    // 30 s by default; a 2 s sweep keeps a slowloris client within 2 s of its bound.
    ...((options.tls
      ? { https: { ...options.tls, requireHostHeader: false, connectionsCheckingInterval: timeoutSweepMs } }
      : { http: { requireHostHeader: false, connectionsCheckingInterval: timeoutSweepMs } }) as object),
  });
  const hsts = options.tls ? options.hsts : undefined;
  if (hsts !== undefined) {
    app.addHook("onSend", async (_request, reply, payload) => {
      void reply.header("strict-transport-security", hsts);
      return payload;
    });
  }
  // While draining, every request gets the same coded 503 (readiness is already false); otherwise
  // the screen may refuse it (403 for a denied address, 429 over the address's request budget).
  app.addHook("onRequest", async (request, reply) => {
    if (options.isDraining()) {
      const body: ErrorBody = { code: ErrorCode.Unavailable, message: "the server is shutting down; retry elsewhere" };
      return reply.code(503).header("connection", "close").type("application/json").send(body);
    }
    const refused = options.screen && (await options.screen.refuse(options.screen.clientOf(request.raw)));
    if (refused) return reply.code(refused.status).headers(refused.headers).type("application/json").send(refused.body);
    const mount = options.mount;
    if (mount?.matches(request.url)) {
      void reply.hijack();
      if (hsts !== undefined) reply.raw.setHeader("strict-transport-security", hsts);
      await mount.handle(request.raw, reply.raw);
    }
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  // The dispatcher validates; fastify's schemas serve the OpenAPI document only.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Parley API",
        version: options.version,
        description: "The REST API of a Parley server. The same routes are reachable over the WebSocket (docs/protocol.md).",
      },
      components: { securitySchemes: { device: { type: "http", scheme: "basic", description: "<accountId>.<deviceId> and the device password" } } },
    },
  });

  for (const route of options.routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: {
        summary: route.summary,
        tags: [route.tag],
        ...(route.params ? { params: route.params } : {}),
        ...(route.body ? { body: bodySchema(route) } : {}),
        response: responseSchemas(route),
        ...(route.auth === "device" ? { security: [{ device: [] }] } : {}),
      },
      handler: async (request, reply) => {
        const raw = request.body;
        const result = await options.dispatcher.dispatch(route, {
          params: request.params as Record<string, string>,
          contentType: request.headers["content-type"],
          body: raw instanceof Uint8Array ? raw : new Uint8Array(0),
          auth: { header: request.headers.authorization },
          client: options.screen?.clientOf(request.raw),
        });
        if (result.headers) void reply.headers(result.headers);
        void reply.code(result.status);
        if (result.status === 204 || result.body === undefined) return reply.send();
        return reply.type("application/json").send(result.body);
      },
    });
  }

  const metrics = options.metrics;
  if (metrics) {
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      const { contentType, body } = await metrics();
      return reply.type(contentType).send(body);
    });
  }

  app.setNotFoundHandler((_request, reply) => routeNotFound(reply));
  app.setErrorHandler((error: { code?: string; statusCode?: number }, _request, reply) => {
    const body: ErrorBody =
      error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? { code: ErrorCode.BodyTooLarge, message: `the body exceeds ${options.maxBodyBytes} bytes`, details: { limit: options.maxBodyBytes } }
        : error.statusCode && error.statusCode < 500
          ? { code: ErrorCode.InvalidRequest, message: "malformed request" }
          : { code: ErrorCode.Internal, message: "internal error" };
    if (body.code === ErrorCode.Internal) options.logger.error({ err: error }, "unhandled HTTP error");
    return reply
      .code(body.code === ErrorCode.BodyTooLarge ? 413 : body.code === ErrorCode.Internal ? 500 : 400)
      .type("application/json")
      .send(body);
  });
  return app;
}

function routeNotFound(reply: FastifyReply): FastifyReply {
  const body: ErrorBody = { code: ErrorCode.RouteNotFound, message: "no such route" };
  return reply.code(404).type("application/json").send(body);
}

function bodySchema(route: Route): unknown {
  if (!route.protobufBody) return route.body;
  return {
    content: {
      "application/json": { schema: route.body },
      "application/x-protobuf": { schema: { type: "string", format: "binary", description: "OutgoingMessages (proto/parley.proto)" } },
    },
  };
}

function responseSchemas(route: Route): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(route.responses)) responses[status] = schema ?? { type: "null", description: "No content" };
  const errors: Record<number, string> = { ...commonErrors };
  if (route.auth === "device") errors[401] = "UNAUTHORIZED";
  for (const [status, description] of Object.entries(errors)) {
    if (!(status in responses)) responses[status] = { ...schemas.ErrorResponse, description };
  }
  return responses;
}
