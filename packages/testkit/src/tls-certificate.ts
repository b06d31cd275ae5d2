// Self-signed certificates for TLS tests, made by the openssl command (node:crypto makes keys but
// not X.509 certificates). Outside CI a missing openssl skips the tests that need it; with
// CI=true it is an error.
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { access, constants, readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, type ConnectionOptions } from "node:tls";
import { promisify } from "node:util";
import type { Needed } from "./nats-fixture.js";

const run = promisify(execFile);
const defaultOpenssl = "/usr/bin/openssl";

/** The openssl binary (PARLEY_OPENSSL_BIN, default Debian's), if it is executable. */
export async function opensslBinary(): Promise<Needed<{ readonly path: string }>> {
  const path = process.env["PARLEY_OPENSSL_BIN"] ?? defaultOpenssl;
  try {
    await access(path, constants.X_OK);
    return { available: true, path };
  } catch {
    const reason = `no executable openssl at ${path} (set PARLEY_OPENSSL_BIN)`;
    if (process.env["CI"] === "true") throw new Error(`${reason}; required when CI=true`);
    return { available: false, skipReason: reason };
  }
}

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM of the certificate: clients pass it as their trust anchor (`ca`). */
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint as node:tls reports it (`getPeerCertificate().fingerprint256`). */
  readonly fingerprint256: string;
}

/**
 * A fresh P-256 key and a self-signed certificate for localhost and 127.0.0.1, valid for a day,
 * written to `<dir>/<name>.crt` and `<dir>/<name>.key`.
 */
export async function makeTestCertificate(openssl: string, dir: string, name = "server"): Promise<TestCertificate> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run(openssl, [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=localhost/O=${name}`,
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  const [cert, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
  return { certFile, keyFile, cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
}

/** What a TLS handshake settled on. */
export interface TlsHandshake {
  readonly protocol: string | null;
  readonly cipher: string;
  /** The server certificate's SHA-256 fingerprint. */
  readonly fingerprint256: string;
}

/** One TLS handshake with the server of `url` (servername localhost); rejects with its error. */
export function tlsHandshake(url: string, options: ConnectionOptions): Promise<TlsHandshake> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), servername: "localhost", ...options }, () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name, fingerprint256: socket.getPeerCertificate().fingerprint256 });
      socket.end();
    });
    socket.once("error", (error) => {
      socket.destroy();
      reject(error);
    });
  });
}
