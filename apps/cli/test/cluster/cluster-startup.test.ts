// `parley serve` in cluster mode refuses to start, with a clear message and a failing exit
// status, when PostgreSQL or NATS cannot be reached, and never prints the database password.
import { describe, expect, it } from "vitest";
import { assertBuilt, CliProcess, freePort } from "../support/processes.js";
import { natsUrl, postgresAdminUrl } from "../support/cluster-fixture.js";
import { clusterServicesOrSkip } from "../support/cluster-services.js";

const services = await clusterServicesOrSkip();

function clusterEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("PARLEY_")) delete env[name];
  return { ...env, PARLEY_MODE: "cluster", PARLEY_SERVER__PORT: "0", PARLEY_CLUSTER__NATS_SERVERS: natsUrl, ...overrides };
}

describe.skipIf(!services.available)(`cluster mode: startup errors${services.available ? "" : ` (skipped: ${services.reason})`}`, { timeout: 60_000 }, () => {
  it("names the PostgreSQL address it cannot reach, without the password", async () => {
    assertBuilt();
    const port = await freePort();
    const serve = new CliProcess(["serve"], clusterEnv({ PARLEY_CLUSTER__POSTGRES_URL: `postgres://parley:s3cret-password@127.0.0.1:${port}/parley` }));
    const { code, stdout, stderr } = await serve.result(30_000);
    expect(code).not.toBe(0);
    expect(stdout + stderr).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}`);
    expect(stdout + stderr).not.toContain("s3cret-password");
  });

  it("names the NATS servers it cannot reach", async () => {
    assertBuilt();
    const port = await freePort();
    const serve = new CliProcess(["serve"], clusterEnv({ PARLEY_CLUSTER__POSTGRES_URL: postgresAdminUrl, PARLEY_CLUSTER__NATS_SERVERS: `nats://127.0.0.1:${port}` }));
    const { code, stdout, stderr } = await serve.result(30_000);
    expect(code).not.toBe(0);
    expect(stdout + stderr).toMatch(new RegExp(`NATS.*127\\.0\\.0\\.1:${port}`));
  });
});
