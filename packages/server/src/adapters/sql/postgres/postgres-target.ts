/** Where a pool connects, as far as errors may say: never the user's password. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
}

const DEFAULT_PORT = 5432;

/**
 * The host and port `pg` will connect to, worked out as it does: the URL's, else the pool
 * settings', else PGHOST / PGPORT, else localhost:5432. A URL that does not parse is refused here,
 * without repeating it (it may hold a password).
 */
export function postgresTarget(
  url: string | undefined,
  settings: { readonly host?: string | undefined; readonly port?: number | undefined } = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): PostgresTarget {
  let host: string | undefined;
  let port: number | undefined;
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError("the PostgreSQL URL is not valid (expected postgres://user:password@host:port/database)");
    }
    // ?host=/run/postgresql names a socket directory and wins over the authority, as in libpq.
    host = parsed.searchParams.get("host") ?? (parsed.hostname === "" ? undefined : decodeURIComponent(parsed.hostname));
    port = parsed.port === "" ? undefined : Number(parsed.port);
  }
  host ??= settings.host ?? env["PGHOST"] ?? "localhost";
  port ??= settings.port ?? (env["PGPORT"] === undefined ? DEFAULT_PORT : Number(env["PGPORT"]));
  return { host: host.replace(/^\[(.*)\]$/, "$1"), port };
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatTarget(target: PostgresTarget): string {
  return target.host.includes(":") ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/**
 * PostgreSQL could not be reached (or refused the connection) at startup. The message names the
 * host and port and the reason, never credentials.
 */
export class PostgresConnectError extends Error {
  readonly code = "POSTGRES_UNREACHABLE";
  override readonly name = "PostgresConnectError";

  constructor(
    readonly target: PostgresTarget,
    cause: unknown,
  ) {
    super(`cannot connect to PostgreSQL at ${formatTarget(target)}: ${reasonOf(cause)}`, { cause });
  }
}

/** A short reason: the message, else (an AggregateError of several addresses) the first one's. */
function reasonOf(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.message !== "") return cause.message;
  if (cause instanceof AggregateError && cause.errors[0] instanceof Error) return reasonOf(cause.errors[0]);
  const code = (cause as { code?: unknown }).code;
  return typeof code === "string" ? code : cause.name;
}
