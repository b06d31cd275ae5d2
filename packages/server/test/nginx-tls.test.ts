// The shipped deploy/nginx-tls.conf, run by Debian's nginx in front of a test server: HTTPS with
// HSTS, WSS device sockets, TLS 1.1 refused, plain HTTP redirected.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { queueEmptyPath } from "@parley/protocol";
import {
  ApiClient,
  describeSkipped,
  freePort,
  httpsFetch,
  makeTestCertificate,
  nginxAvailable,
  opensslBinary,
  registerAccount,
  startTestServer,
  tempDir,
  TestSocket,
  tlsHandshake,
  waitFor,
  type TempDir,
  type TestCertificate,
  type TestServer,
} from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const shipped = fileURLToPath(new URL("../../../deploy/nginx-tls.conf", import.meta.url));
const nginxBin = process.env["PARLEY_NGINX_BIN"] ?? "/usr/sbin/nginx";

/** deploy/nginx-tls.conf on loopback ports, with the test certificate and one backend. */
function testConfig(prefix: string, ports: { http: number; https: number; backend: number }, certificate: TestCertificate): string {
  const site = readFileSync(shipped, "utf8");
  const replaced = site
    .replace(/^\s*listen \[::\]:\d+.*\n/gm, "")
    .replace("listen 80;", `listen 127.0.0.1:${ports.http};`)
    .replace("listen 443 ssl;", `listen 127.0.0.1:${ports.https} ssl;`)
    .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${certificate.certFile};`)
    .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${certificate.keyFile};`)
    .replace(/server 127\.0\.0\.1:8080 /, `server 127.0.0.1:${ports.backend} `)
    .replace("root /var/www/letsencrypt;", `root ${prefix};`);
  for (const expected of [`127.0.0.1:${ports.http};`, `127.0.0.1:${ports.https} ssl;`, certificate.certFile, certificate.keyFile, `127.0.0.1:${ports.backend} `]) {
    if (!replaced.includes(expected)) throw new Error(`deploy/nginx-tls.conf no longer has the line the test rewrites to ${expected}`);
  }
  return [
    "daemon off;",
    "worker_processes 1;",
    `pid ${join(prefix, "nginx.pid")};`,
    `error_log ${join(prefix, "error.log")} warn;`,
    "events { worker_connections 256; }",
    "http {",
    "  access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`),
    replaced,
    "}",
  ].join("\n");
}

const openssl = await opensslBinary();

if (!openssl.available) {
  describeSkipped("deploy/nginx-tls.conf", openssl.skipReason);
} else if (!nginxAvailable()) {
  describeSkipped("deploy/nginx-tls.conf", `no nginx at ${nginxBin}`);
} else {
  describe("deploy/nginx-tls.conf", { timeout: 30_000 }, () => {
    let dir: TempDir;
    let certificate: TestCertificate;
    let backend: TestServer;
    let nginx: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let url: string;
    let plainUrl: string;
    let api: ApiClient;
    const sockets: TestSocket[] = [];

    beforeAll(async () => {
      dir = await tempDir("parley-nginx-tls-");
      certificate = await makeTestCertificate(openssl.path, dir.path);
      backend = await startTestServer();
      const ports = { http: await freePort(), https: await freePort(), backend: Number(new URL(backend.url).port) };
      const prefix = join(dir.path, "nginx");
      mkdirSync(prefix);
      writeFileSync(join(prefix, "nginx.conf"), testConfig(prefix, ports, certificate));
      const child = spawn(nginxBin, ["-p", prefix, "-c", join(prefix, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
      nginx = child;
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      let gone = false;
      exited = new Promise((resolve) => child.once("exit", () => resolve()));
      void exited.then(() => (gone = true));
      url = `https://127.0.0.1:${ports.https}`;
      plainUrl = `http://127.0.0.1:${ports.http}`;
      api = new ApiClient(url, undefined, httpsFetch(certificate.cert));
      await waitFor(
        async () => {
          if (gone) throw new Error(`nginx exited: ${stderr}`);
          return api.get("/healthz").then(
            (response) => response.status === 200,
            () => false,
          );
        },
        { timeoutMs: 10_000, intervalMs: 20, what: "nginx to answer over TLS" },
      );
    });
    afterAll(async () => {
      await Promise.all(sockets.map((socket) => socket.close()));
      nginx?.kill("SIGTERM");
      await exited;
      await backend?.close();
      await dir?.cleanup();
    });

    it("proxies HTTPS requests and adds Strict-Transport-Security, hiding /metrics", async () => {
      const health = await api.get("/healthz");
      expect(health.status).toBe(200);
      expect(health.headers.get("strict-transport-security")).toBe("max-age=63072000");
      expect((await httpsFetch(certificate.cert)(`${url}/metrics`)).status).toBe(404);
    });

    it("carries a device socket over WSS", async () => {
      const device = await registerAccount({ api, codes: backend.codes });
      const socket = await TestSocket.connect(url, device.credentials, { ca: certificate.cert });
      sockets.push(socket);
      expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
      expect((await socket.request("GET", "/v1/accounts/me")).status).toBe(200);
    });

    it("speaks TLS 1.3, or TLS 1.2 with AEAD suites, and refuses TLS 1.1", async () => {
      expect((await tlsHandshake(url, { ca: certificate.cert })).protocol).toBe("TLSv1.3");
      const tls12 = await tlsHandshake(url, { ca: certificate.cert, maxVersion: "TLSv1.2" });
      expect(tls12.cipher).toMatch(/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
      await expect(tlsHandshake(url, { ca: certificate.cert, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" })).rejects.toThrow();
    });

    it("redirects plain HTTP to HTTPS", async () => {
      const response = await fetch(`${plainUrl}/v1/accounts/me`, { redirect: "manual" });
      expect(response.status).toBe(301);
      expect(response.headers.get("location")).toBe("https://127.0.0.1/v1/accounts/me");
    });
  });
}
