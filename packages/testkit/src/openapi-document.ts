// The OpenAPI document of a Parley server, generated from the route table: a server is built with
// in-memory stores (it never listens), asked for its document, and closed. The committed
// docs/api/openapi.json is this document serialized by `serializeOpenApiDocument`; a test keeps
// the two equal, and `npm run openapi` rewrites the file.
import { randomBytes } from "node:crypto";
import { createMemoryStores, createServer, defaultDomainSettings, InProcessBus, type VerificationSender } from "@parley/server";
import { pino } from "pino";

/** The part of an OpenAPI 3.1 document the checks look at; the rest passes through untyped. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly [key: string]: unknown };
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: { readonly securitySchemes?: Readonly<Record<string, unknown>>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

const dummySender: VerificationSender = { send: async () => undefined };

export async function generateOpenApiDocument(): Promise<OpenApiDocument> {
  const server = await createServer({
    stores: createMemoryStores(),
    bus: new InProcessBus(),
    clock: { now: () => Date.now() },
    random: { bytes: (length) => new Uint8Array(randomBytes(length)) },
    logger: pino({ level: "silent" }),
    verificationSender: dummySender,
    settings: defaultDomainSettings,
    transport: {
      host: "127.0.0.1",
      port: 0,
      maxBodyBytes: 2 * 1024 * 1024,
      maxFrameBytes: 2 * 1024 * 1024,
      deliveryWindow: 128,
      requestTimeoutMs: 60_000,
      pingIntervalMs: 30_000,
    },
    purgeIntervalMs: 0,
    singleNode: true,
  });
  try {
    // A deep copy, so the caller holds plain JSON and nothing of fastify's internal objects.
    return JSON.parse(JSON.stringify(await server.openapi())) as OpenApiDocument;
  } finally {
    await server.close();
  }
}

/** The committed form: two-space JSON with a trailing newline. Key order is the generator's, which is deterministic. */
export function serializeOpenApiDocument(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
