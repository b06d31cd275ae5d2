// `parley serve` with a certificate: HTTPS on its port, and SIGHUP picks up a renewed
// certificate without a restart (a bad one is logged and the current one kept).
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import {
  describeSkipped,
  httpsFetch,
  makeTestCertificate,
  opensslBinary,
  tempDir,
  tlsHandshake,
  type TempDir,
  type TestCertificate,
} from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, CliProcess, freePort, ServerProcess } from "./support/processes.js";

const openssl = await opensslBinary();

/** This process's environment without PARLEY_* variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PARLEY_")));
}

if (!openssl.available) {
  describeSkipped("parley serve over TLS", openssl.skipReason);
} else {
  describe("parley serve over TLS", { timeout: 60_000 }, () => {
    let dir: TempDir;
    let first: TestCertificate;
    let second: TestCertificate;
    let server: ServerProcess | undefined;
    let certFile: string;
    let keyFile: string;
    const trustBoth = () => ({ ca: [first.cert, second.cert] });

    beforeAll(async () => {
      assertBuilt();
      dir = await tempDir("parley-serve-tls-");
      [first, second] = await Promise.all([makeTestCertificate(openssl.path, dir.path, "first"), makeTestCertificate(openssl.path, dir.path, "second")]);
      certFile = join(dir.path, "live.crt");
      keyFile = join(dir.path, "live.key");
      await Promise.all([copyFile(first.certFile, certFile), copyFile(first.keyFile, keyFile)]);
      server = await ServerProcess.start(join(dir.path, "data"), await freePort(), {
        env: { PARLEY_SERVER__TLS_CERT_FILE: certFile, PARLEY_SERVER__TLS_KEY_FILE: keyFile },
        tls: true,
      });
    });
    afterAll(async () => {
      await server?.kill();
      await dir?.cleanup();
    });

    it("serves HTTPS with Strict-Transport-Security", async () => {
      expect(server!.url).toMatch(/^https:/);
      const health = await httpsFetch(first.cert)(`${server!.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get("strict-transport-security")).toBe("max-age=63072000");
      expect(server!.log).toContain(`"url":"${server!.url}"`);
    });

    it("switches to a renewed certificate on SIGHUP and keeps running", async () => {
      expect((await tlsHandshake(server!.url, trustBoth())).fingerprint256).toBe(first.fingerprint256);
      await Promise.all([copyFile(second.certFile, certFile), copyFile(second.keyFile, keyFile)]);
      server!.signal("SIGHUP");
      await server!.waitForLog(/"msg":"tls certificate reloaded"/);
      expect((await tlsHandshake(server!.url, trustBoth())).fingerprint256).toBe(second.fingerprint256);
      expect(server!.running).toBe(true);
    });

    it("keeps the current certificate when SIGHUP finds a key that does not match", async () => {
      await copyFile(first.keyFile, keyFile);
      server!.signal("SIGHUP");
      await server!.waitForLog(/"msg":"tls certificate reload failed; the current one stays in use"/);
      expect((await tlsHandshake(server!.url, trustBoth())).fingerprint256).toBe(second.fingerprint256);
      await server!.stop();
    });

    it("refuses to start with only one of the two TLS files configured", async () => {
      const child = new CliProcess(["serve", "--port", "0", "--data-dir", join(dir.path, "half"), "--set", `server.tlsCertFile=${certFile}`], cleanEnv());
      child.endInput();
      const result = await child.result();
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/server\.tlsCertFile and server\.tlsKeyFile: set both/);
    });

    it("refuses to start when the certificate cannot be read, naming the file", async () => {
      const missing = join(dir.path, "missing.crt");
      const child = new CliProcess(
        ["serve", "--port", "0", "--data-dir", join(dir.path, "unreadable"), "--set", `server.tlsCertFile=${missing}`, "--set", `server.tlsKeyFile=${keyFile}`],
        cleanEnv(),
      );
      child.endInput();
      const result = await child.result();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot read the TLS certificate ${missing}: ENOENT`);
    });
  });
}
