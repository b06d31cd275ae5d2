// kill -9 of a node under steady traffic: clients reconnect through nginx to the other node, and
// every envelope whose send was acknowledged (2xx) is delivered. Duplicates are allowed (clients
// dedupe by envelope id); losses are not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount, waitFor, type RegisteredDevice } from "@parley/testkit";
import { ClusterFixture } from "../support/cluster-fixture.js";
import { StayingReceiver } from "../support/staying-receiver.js";
import { clusterServicesOrSkip } from "../support/cluster-services.js";

const services = await clusterServicesOrSkip();

describe.skipIf(!services.available)(`cluster: a node killed under traffic${services.available ? "" : ` (skipped: ${services.reason})`}`, { timeout: 120_000 }, () => {
  let cluster: ClusterFixture;
  const receivers: StayingReceiver[] = [];
  let senders: RegisteredDevice[] = [];

  beforeAll(async () => {
    cluster = await ClusterFixture.start(2);
    senders = await Promise.all(Array.from({ length: 3 }, () => registerAccount(cluster)));
    for (let i = 0; i < 3; i++) receivers.push(new StayingReceiver(cluster.url, await registerAccount(cluster)));
    await Promise.all(receivers.map((r) => r.start()));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await cluster?.close();
  });

  it("delivers every acknowledged envelope after kill -9 of a node", async () => {
    const acknowledged = new Map<string, StayingReceiver>();
    let failed = 0;
    let killed = false;
    const target = 600;
    const killAt = 200;
    let next = 0;
    const sendLoop = async (sender: RegisteredDevice, index: number) => {
      const api = cluster.api.as(sender.credentials);
      while (acknowledged.size < target) {
        const receiver = receivers[next++ % receivers.length]!;
        const body = `s${index}-${next}`;
        const response = await api
          .put(`/v1/messages/${receiver.device.credentials.accountId}`, {
            timestamp: Date.now(),
            messages: [{ deviceId: 1, registrationId: receiver.device.keys.registrationId, type: 1, content: Buffer.from(body).toString("base64") }],
          })
          .catch(() => undefined);
        if (response?.status === 200) acknowledged.set(body, receiver);
        else failed++;
        if (!killed && acknowledged.size >= killAt) {
          killed = true;
          await cluster.nodes[0]!.kill();
        }
      }
    };
    await Promise.all(senders.map((sender, i) => sendLoop(sender, i)));
    expect(killed).toBe(true);

    const missing = () => [...acknowledged].filter(([body, receiver]) => !receiver.received.has(body)).map(([body]) => body);
    await waitFor(() => missing().length === 0, { timeoutMs: 60_000, intervalMs: 50, what: `delivery of every acknowledged envelope (missing: ${missing().length})` });
    const duplicates = receivers.reduce((sum, r) => sum + [...r.received.values()].reduce((s, n) => s + n - 1, 0), 0);
    // Every receiver that was on the killed node came back through nginx.
    expect(receivers.some((r) => r.reconnects > 0)).toBe(true);
    expect(missing()).toEqual([]);
    console.info(`cluster crash: ${acknowledged.size} acknowledged, 0 lost, ${duplicates} duplicates, ${failed} sends failed during the crash`);
  });
});
