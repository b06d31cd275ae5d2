import { copyFile, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { queueEmptyPath } from "@parley/protocol";
import {
  describeSkipped,
  makeTestCertificate,
  opensslBinary,
  registerAccount,
  startTestServer,
  tempDir,
  TestSocket,
  tlsHandshake,
  type TempDir,
  type TestCertificate,
  type TestServer,
} from "@parley/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tlsFileLoader } from "../src/http/tls-options.js";

const openssl = await opensslBinary();

if (!openssl.available) {
  describeSkipped("the server over TLS", openssl.skipReason);
} else {
  describe("the server over TLS", () => {
    let dir: TempDir;
    let first: TestCertificate;
    let second: TestCertificate;
    let server: TestServer | undefined;
    const sockets: TestSocket[] = [];
    // The server reads whatever is at these paths, at start and on every reload.
    let certFile: string;
    let keyFile: string;

    beforeAll(async () => {
      dir = await tempDir("parley-tls-");
      [first, second] = await Promise.all([makeTestCertificate(openssl.path, dir.path, "first"), makeTestCertificate(openssl.path, dir.path, "second")]);
    });
    afterAll(() => dir.cleanup());
    afterEach(async () => {
      await Promise.all(sockets.splice(0).map((socket) => socket.close()));
      await server?.close();
      server = undefined;
    });

    const start = async (hstsMaxAgeSeconds = 63_072_000) => {
      certFile = `${dir.path}/live-${Math.random().toString(36).slice(2)}.crt`;
      keyFile = `${certFile}.key`;
      await Promise.all([copyFile(first.certFile, certFile), copyFile(first.keyFile, keyFile)]);
      server = await startTestServer({ tls: { settings: { load: tlsFileLoader(certFile, keyFile), hstsMaxAgeSeconds }, ca: first.cert } });
      return server;
    };
    const trustBoth = () => ({ ca: [first.cert, second.cert] });

    it("answers HTTPS requests with a Strict-Transport-Security header", async () => {
      const { url, api } = await start();
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await api.get("/healthz");
      expect(health.status).toBe(200);
      expect(health.headers.get("strict-transport-security")).toBe("max-age=63072000");
      const missing = await api.get("/v1/no-such-route");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("strict-transport-security")).toBe("max-age=63072000");
    });

    it("sends no Strict-Transport-Security header when its max-age is 0", async () => {
      const { api } = await start(0);
      const health = await api.get("/healthz");
      expect(health.status).toBe(200);
      expect(health.headers.get("strict-transport-security")).toBeNull();
    });

    it("serves a device socket over WSS", async () => {
      const target = await start();
      const device = await registerAccount(target);
      const socket = await TestSocket.connect(target.url, device.credentials, { ca: first.cert });
      sockets.push(socket);
      expect(socket.ws.url).toMatch(/^wss:/);
      expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
      const me = await socket.request("GET", "/v1/accounts/me");
      expect(me.status).toBe(200);
    });

    it("refuses plain HTTP on the TLS port", async () => {
      const { url } = await start();
      await expect(fetch(`${url.replace(/^https:/, "http:")}/healthz`)).rejects.toThrow();
      // The port is open, but a plain request gets no HTTP answer, only the connection closed.
      const { hostname, port } = new URL(url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = createConnection({ host: hostname, port: Number(port) }, () => socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        let received = "";
        socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(received));
        socket.setTimeout(5000, () => reject(new Error("the TLS port kept a plain connection open")));
      });
      expect(answer).not.toMatch(/HTTP\//);
    });

    it("negotiates TLS 1.3 by default and TLS 1.2 only with forward-secret AEAD suites", async () => {
      const { url } = await start();
      expect((await tlsHandshake(url, { ca: first.cert })).protocol).toBe("TLSv1.3");
      const tls12 = await tlsHandshake(url, { ca: first.cert, maxVersion: "TLSv1.2" });
      expect(tls12.protocol).toBe("TLSv1.2");
      expect(tls12.cipher).toMatch(/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
      // A TLS 1.2 client offering only CBC suites finds nothing it may use.
      await expect(tlsHandshake(url, { ca: first.cert, maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384" })).rejects.toThrow(
        /handshake failure|no shared cipher/i,
      );
    });

    it("refuses a client limited to TLS 1.1 with a protocol-version alert", async () => {
      const { url } = await start();
      // The client side is opened up as far as OpenSSL goes, so the refusal is the server's.
      const weak = tlsHandshake(url, { ca: first.cert, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" });
      await expect(weak).rejects.toMatchObject({ code: "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" });
    });

    it("reloads the certificate for new connections while open sockets stay up", async () => {
      const target = await start();
      const device = await registerAccount(target);
      const socket = await TestSocket.connect(target.url, device.credentials, { ca: first.cert });
      sockets.push(socket);
      expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
      expect((await tlsHandshake(target.url, trustBoth())).fingerprint256).toBe(first.fingerprint256);

      await Promise.all([copyFile(second.certFile, certFile), copyFile(second.keyFile, keyFile)]);
      expect(await target.server.reloadTls()).toBe(true);

      const after = await tlsHandshake(target.url, trustBoth());
      expect(after.fingerprint256).toBe(second.fingerprint256);
      expect(after.protocol).toBe("TLSv1.3");
      await expect(tlsHandshake(target.url, { ca: first.cert, maxVersion: "TLSv1.1", minVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" })).rejects.toThrow();
      // The socket opened under the first certificate is still served.
      expect((await socket.request("GET", "/v1/accounts/me")).status).toBe(200);
    });

    it("keeps the current certificate when a reload finds a key that does not match", async () => {
      const target = await start();
      await copyFile(second.keyFile, keyFile);
      await expect(target.server.reloadTls()).rejects.toThrow(/key values mismatch|private key/i);
      expect((await tlsHandshake(target.url, trustBoth())).fingerprint256).toBe(first.fingerprint256);
    });

    it("keeps the current certificate when a reload cannot read the files", async () => {
      const target = await start();
      await rm(certFile);
      await expect(target.server.reloadTls()).rejects.toThrow(/cannot read the TLS certificate .*: ENOENT/);
      expect((await tlsHandshake(target.url, trustBoth())).fingerprint256).toBe(first.fingerprint256);
    });

    it("has nothing to reload without TLS", async () => {
      server = await startTestServer();
      expect(server.url).toMatch(/^http:/);
      expect(await server.server.reloadTls()).toBe(false);
    });
  });
}
