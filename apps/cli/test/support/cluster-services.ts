// Whether the cluster tests can run here: nginx installed, PostgreSQL and NATS answering. With
// CI=true a missing part fails the run instead of skipping it.
import { connect } from "node:net";
import { nginxAvailable } from "@parley/testkit";
import { natsUrl, postgresAdminUrl } from "./cluster-fixture.js";

function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(2000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

export async function clusterServicesOrSkip(): Promise<{ available: boolean; reason: string }> {
  const missing: string[] = [];
  if (!nginxAvailable()) missing.push("nginx is not installed");
  if (!(await answers(postgresAdminUrl, 5432))) missing.push(`PostgreSQL does not answer at ${new URL(postgresAdminUrl).host}`);
  if (!(await answers(natsUrl, 4222))) missing.push(`NATS does not answer at ${new URL(natsUrl).host}`);
  const reason = missing.join("; ");
  if (missing.length > 0 && process.env["CI"] === "true") throw new Error(`cluster tests cannot run: ${reason}`);
  return { available: missing.length === 0, reason };
}
