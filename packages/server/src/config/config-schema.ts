// The one typed configuration schema: defaults and a description for every key. The sample file
// (`parley config init`), the environment names and the validation all come from here.
import Type, { type Static } from "typebox";
import { ConnectionsConfigSchema, RateLimitsConfigSchema, SecurityConfigSchema } from "./abuse-config-schema.js";
import { OidcConfigSchema } from "./oidc-config-schema.js";
import { AuthConfigSchema } from "./auth-config-schema.js";

const seconds = (def: number, description: string, minimum = 1) => Type.Integer({ default: def, minimum, description });
const count = (def: number, description: string, minimum = 1, maximum = 1_000_000_000) =>
  Type.Integer({ default: def, minimum, maximum, description });

export const ConfigSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal("single"), Type.Literal("cluster")], {
      default: "single",
      description:
        "single: one process with an embedded SQLite database. cluster: one of several stateless nodes on PostgreSQL (cluster.postgresUrl) and NATS (cluster.natsServers), behind a load balancer.",
    }),
    server: Type.Object({
      host: Type.String({ default: "127.0.0.1", description: "Address to listen on. 0.0.0.0 listens on every interface." }),
      metrics: Type.Boolean({ default: true, description: "Serve Prometheus metrics at GET /metrics (keep that path away from the internet)." }),
      port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: "TCP port for HTTP and WebSocket." }),
      dataDir: Type.String({ default: "./data", description: "Directory for the database and other state." }),
      tlsCertFile: Type.String({
        default: "",
        description:
          "PEM certificate chain (leaf first, then intermediates). With tlsKeyFile the port serves HTTPS and WSS only (TLS 1.2 and 1.3); both files are read again on SIGHUP.",
      }),
      tlsKeyFile: Type.String({ default: "", description: "PEM private key of tlsCertFile." }),
      hstsMaxAgeSeconds: seconds(63_072_000, "With TLS: the max-age of the Strict-Transport-Security header on every response; 0 sends none.", 0),
    }, { default: {} }),
    storage: Type.Object({
      sqlitePath: Type.String({ default: "", description: "SQLite database file; empty means <dataDir>/parley.db." }),
      synchronous: Type.Union([Type.Literal("full"), Type.Literal("normal")], {
        default: "full",
        description:
          "full: an acknowledged message survives a power cut. normal: it survives a crash of the process but may be lost on power loss.",
      }),
      commitIntervalMs: Type.Integer({
        default: 2,
        minimum: 0,
        maximum: 50,
        description:
          "Group commit: at most one SQLite commit per this many ms; what arrives meanwhile shares the next commit and its fsync. Saves CPU per message at moderate rates and adds up to this much to each send's acknowledgement. 0: commit every event-loop turn.",
      }),
      encryptionKey: Type.String({
        default: "",
        description:
          "Encrypts the SQLite database with AES-256 (SQLCipher) under this passphrase, at least 16 characters; prefer encryptionKeyFile. `parley db rekey` changes it.",
        secret: true,
      }),
      encryptionKeyFile: Type.String({ default: "", description: "File whose first line is storage.encryptionKey (instead of setting it here)." }),
    }, { default: {} }),
    cluster: Type.Object({
      postgresUrl: Type.String({
        default: "",
        description: "PostgreSQL connection URL (postgres://user:password@host:port/database); required in cluster mode.",
        secret: true,
      }),
      postgresPoolSize: count(10, "Connections this node keeps to PostgreSQL, at most.", 1, 1000),
      redisUrl: Type.String({
        default: "",
        description:
          "Redis connection URL (redis://user:password@host:port/db) for the rate-limit counters, shared by every node; empty keeps them in PostgreSQL. Saves two PostgreSQL commits per message sent; while Redis is down each node counts in its own memory.",
        secret: true,
      }),
      natsServers: Type.String({ default: "nats://127.0.0.1:4222", description: "NATS servers, comma-separated." }),
      natsPrefix: Type.String({
        default: "parley",
        pattern: "^[A-Za-z0-9_-]+$",
        description: "First token of this deployment's NATS subjects; deployments sharing a NATS server need different ones.",
      }),
      nodeName: Type.String({ default: "", description: "This node's name in logs, metrics and NATS; empty means host name and process id." }),
      resyncSeconds: seconds(30, "Every connected device re-reads its mailbox this often, in case a wake-up from another node was lost."),
    }, { default: {} }),
    limits: Type.Object({
      maxEnvelopeBytes: count(256 * 1024, "Largest sealed envelope (one device's copy of a message), in bytes."),
      maxEnvelopesPerRequest: count(32, "Envelopes in one send request."),
      maxBodyBytes: count(2 * 1024 * 1024, "Largest HTTP request body, in bytes."),
      maxFrameBytes: count(2 * 1024 * 1024, "Largest WebSocket message, in bytes."),
      maxDevicesPerAccount: count(5, "Devices per account, the primary included.", 1, 127),
      maxKeysPerUpload: count(100, "One-time prekeys of one kind per upload."),
      maxStoredKeys: count(1000, "One-time prekeys of one kind stored per device."),
      deliveryWindow: count(128, "Deliveries sent to a device and not yet acknowledged, at most."),
    }, { default: {} }),
    timeouts: Type.Object({
      requestTimeoutSeconds: seconds(60, "A device that leaves a delivery unanswered this long is disconnected."),
      pingIntervalSeconds: seconds(30, "WebSocket ping interval; a socket that misses a pong is dropped."),
    }, { default: {} }),
    verification: Type.Object({
      codeTtlSeconds: seconds(600, "How long a verification code is valid."),
      maxAttempts: count(5, "Code submissions per verification session."),
      codeLength: count(6, "Digits in a verification code.", 4, 10),
      sender: Type.Union([Type.Literal("log"), Type.Literal("webhook")], {
        default: "log",
        description: "log: write codes to the server log (development). webhook: POST them to webhookUrl.",
      }),
      webhookUrl: Type.String({ default: "", description: "Gateway URL for the webhook sender (SMS or e-mail relay)." }),
      webhookSecret: Type.String({
        default: "",
        description: "Shared secret; the webhook request carries an HMAC-SHA256 signature of its body made with it.",
        secret: true,
      }),
    }, { default: {} }),
    linking: Type.Object({
      tokenTtlSeconds: seconds(600, "How long a device-linking token (and a provisioning socket) stays valid."),
    }, { default: {} }),
    retention: Type.Object({
      envelopeDays: count(30, "Undelivered envelopes are deleted after this many days."),
      purgeIntervalSeconds: seconds(3600, "How often the expiry purge runs."),
    }, { default: {} }),
    log: Type.Object({
      level: Type.Union(["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)), {
        default: "info",
        description: "Log level.",
      }),
    }, { default: {} }),
    rateLimits: RateLimitsConfigSchema,
    security: SecurityConfigSchema,
    connections: ConnectionsConfigSchema,
    oidc: OidcConfigSchema,
    auth: AuthConfigSchema,
  },
  { additionalProperties: false },
);

export type ParleyConfig = Static<typeof ConfigSchema>;
