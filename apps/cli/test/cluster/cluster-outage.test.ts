// PostgreSQL and NATS going away under load: readiness turns false while either is down, the
// nodes recover by themselves when it is back, and no acknowledged envelope is lost. NATS is a
// private nats-server killed and restarted; PostgreSQL is cut off by a TCP proxy between the nodes
// and the database (every connection drops, new ones are refused), then let through again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsServerBinary, registerAccount, startNatsServer, startTcpProxy, waitFor, type NatsServerProcess, type RegisteredDevice, type TcpProxy } from "@parley/testkit";
import { ClusterFixture, postgresAdminUrl } from "../support/cluster-fixture.js";
import { clusterServicesOrSkip } from "../support/cluster-services.js";
import { StayingReceiver } from "../support/staying-receiver.js";

const services = await clusterServicesOrSkip();
const natsBinary = await natsServerBinary();
const runnable = services.available && natsBinary.available;
const reason = !services.available ? services.reason : natsBinary.available ? "" : natsBinary.skipReason;
if (!natsBinary.available && process.env["CI"] === "true") throw new Error(`cluster outage tests cannot run: ${reason}`);

describe.skipIf(!runnable)(`cluster: PostgreSQL and NATS outages under load${runnable ? "" : ` (skipped: ${reason})`}`, { timeout: 120_000 }, () => {
  let cluster: ClusterFixture;
  let nats: NatsServerProcess;
  let postgres: TcpProxy;
  let sender: RegisteredDevice;
  let receiver: StayingReceiver;
  const acknowledged = new Set<string>();
  let sending = true;
  let sent = 0;
  let loop: Promise<void> = Promise.resolve();

  const readiness = async () => Promise.all(cluster.nodes.map((node) => fetch(`${node.url}/readyz`).then((r) => r.status, () => 0)));
  const allReady = async (status: number) => (await readiness()).every((s) => s === status);

  beforeAll(async () => {
    if (!natsBinary.available) return;
    nats = await startNatsServer(natsBinary.path);
    postgres = await startTcpProxy(postgresAdminUrl);
    cluster = await ClusterFixture.start(2, {
      natsUrl: nats.url,
      postgresPort: Number(new URL(postgres.url).port),
      // One sender sends to one receiver flat out, far above what rateLimits.sendsPerPair allows a person.
      env: { PARLEY_RATE_LIMITS__SENDS_PER_PAIR__POINTS: "0" },
    });
    sender = await registerAccount(cluster);
    receiver = new StayingReceiver(cluster.url, await registerAccount(cluster));
    await receiver.start();
    const api = cluster.api.as(sender.credentials);
    loop = (async () => {
      while (sending) {
        const body = `m${sent++}`;
        const response = await api
          .put(`/v1/messages/${receiver.device.credentials.accountId}`, {
            timestamp: Date.now(),
            messages: [{ deviceId: 1, registrationId: receiver.device.keys.registrationId, type: 1, content: Buffer.from(body).toString("base64") }],
          })
          .catch(() => undefined);
        if (response?.status === 200) acknowledged.add(body);
        else await new Promise((resolve) => setTimeout(resolve, 20)); // the client's backoff
      }
    })();
  }, 90_000);
  afterAll(async () => {
    sending = false;
    await loop;
    await receiver?.stop();
    await cluster?.close();
    await postgres?.close();
    await nats?.kill();
  });

  const progressAfter = async (count: number, what: string) => {
    const target = acknowledged.size + count;
    await waitFor(() => acknowledged.size >= target, { timeoutMs: 30_000, intervalMs: 20, what });
  };

  it("turns unready while NATS is down, recovers when it is back, and loses nothing", async () => {
    await progressAfter(50, "sends before the outage");
    await nats.kill();
    await waitFor(() => allReady(503), { timeoutMs: 30_000, intervalMs: 50, what: "readiness to turn false on every node" });
    await nats.restart();
    await waitFor(() => allReady(200), { timeoutMs: 30_000, intervalMs: 50, what: "readiness to come back on every node" });
    await progressAfter(50, "sends after NATS is back");
    await waitFor(() => [...acknowledged].every((body) => receiver.received.has(body)), {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: "delivery of every acknowledged envelope",
    });
  });

  it("turns unready while PostgreSQL is unreachable, recovers when it is back, and loses nothing", async () => {
    await progressAfter(50, "sends before the outage");
    await postgres.cut();
    await waitFor(() => allReady(503), { timeoutMs: 30_000, intervalMs: 50, what: "readiness to turn false on every node" });
    const duringOutage = acknowledged.size;
    await postgres.resume();
    await waitFor(() => allReady(200), { timeoutMs: 30_000, intervalMs: 50, what: "readiness to come back on every node" });
    await progressAfter(50, "sends after PostgreSQL is back");
    expect(acknowledged.size).toBeGreaterThan(duringOutage);
    await waitFor(() => [...acknowledged].every((body) => receiver.received.has(body)), {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: "delivery of every acknowledged envelope",
    });
  });
});
