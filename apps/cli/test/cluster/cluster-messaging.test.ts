// Several `parley serve` nodes in cluster mode on PostgreSQL and NATS, behind nginx: devices on
// different nodes exchange envelopes, a device that comes back on another node gets its backlog,
// and a device connecting on a second node displaces its connection on the first.
import { CloseCode, decodeEnvelope, deliverPath, queueEmptyPath } from "@parley/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, registerAccount, TestSocket, waitFor, type RegisteredDevice } from "@parley/testkit";
import { ClusterFixture } from "../support/cluster-fixture.js";
import { clusterServicesOrSkip } from "../support/cluster-services.js";

const services = await clusterServicesOrSkip();
const text = (s: string) => Buffer.from(s).toString("base64");
const contentOf = (body: Uint8Array) => Buffer.from(decodeEnvelope(body).content).toString();

describe.skipIf(!services.available)(`cluster: two nodes behind nginx${services.available ? "" : ` (skipped: ${services.reason})`}`, { timeout: 60_000 }, () => {
  let cluster: ClusterFixture;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;
  const sockets: TestSocket[] = [];

  const connect = async (url: string, device: RegisteredDevice, autoRespond?: number) => {
    const socket = await TestSocket.connect(url, device.credentials, { timeoutMs: 15_000, ...(autoRespond === undefined ? {} : { autoRespond }) });
    sockets.push(socket);
    return socket;
  };
  const sendText = (url: string, from: RegisteredDevice, to: RegisteredDevice, body: string) =>
    new ApiClient(url).as(from.credentials).put(`/v1/messages/${to.credentials.accountId}`, {
      timestamp: 1000,
      messages: [{ deviceId: 1, registrationId: to.keys.registrationId, type: 1, content: text(body) }],
    });

  beforeAll(async () => {
    cluster = await ClusterFixture.start(2);
    alice = await registerAccount(cluster);
    bob = await registerAccount(cluster);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await cluster?.close();
  });

  it("delivers at once from a sender on one node to a recipient connected to the other", async () => {
    const [first, second] = cluster.nodes;
    const bobSocket = await connect(second!.url, bob);
    expect((await bobSocket.nextRequest()).path).toBe(queueEmptyPath);
    expect((await sendText(first!.url, alice, bob, "across nodes")).status).toBe(200);
    const delivery = await bobSocket.nextRequest();
    expect(delivery.path).toBe(deliverPath);
    expect(contentOf(delivery.body)).toBe("across nodes");
    bobSocket.respond(delivery, 200);
    await bobSocket.close();
  });

  it("gives a device that reconnects through nginx its backlog, whichever node it lands on", async () => {
    const sent = ["one", "two", "three"];
    for (const body of sent) expect((await sendText(cluster.url, alice, bob, body)).status).toBe(200);
    const received: string[] = [];
    // Two connections through nginx (round robin: each lands on a different node); the first
    // takes one envelope and leaves, the second gets the rest.
    const firstVisit = await connect(cluster.url, bob);
    const head = await firstVisit.nextRequest();
    received.push(contentOf(head.body));
    firstVisit.respond(head, 200);
    await firstVisit.close();
    const secondVisit = await connect(cluster.url, bob, 200);
    for (;;) {
      const request = await secondVisit.nextRequest();
      if (request.path === queueEmptyPath) break;
      // A redelivery of the first (its acknowledgement may not be written yet) is allowed.
      const body = contentOf(request.body);
      if (!received.includes(body)) received.push(body);
    }
    expect(received).toEqual(sent);
    await secondVisit.close();
  });

  it("closes a device's connection on one node when the device connects on the other", async () => {
    const [first, second] = cluster.nodes;
    const old = await connect(first!.url, alice);
    expect((await old.nextRequest()).path).toBe(queueEmptyPath);
    const replacement = await connect(second!.url, alice);
    expect((await old.closed).code).toBe(CloseCode.Displaced);
    expect((await replacement.nextRequest()).path).toBe(queueEmptyPath);
    await replacement.close();
  });

  it("reports readiness and metrics on every node", async () => {
    for (const node of cluster.nodes) {
      const ready = await fetch(`${node.url}/readyz`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(metrics).toContain(`parley_node_info{node="${node.name}"} 1`);
      expect(metrics).toMatch(/^parley_bus_up 1$/m);
      expect(metrics).toMatch(/^parley_envelopes_in_total \d+$/m);
    }
    expect((await fetch(`${cluster.url}/metrics`)).status).toBe(404);
  });

  it("drains a node on SIGTERM: its sockets close with 1012 (reconnect elsewhere), it exits 0, the other node serves", async () => {
    const [first, second] = cluster.nodes;
    const socket = await connect(second!.url, bob);
    expect((await socket.nextRequest()).path).toBe(queueEmptyPath);
    const [exitCode, closed] = await Promise.all([second!.stop(), socket.closed]);
    expect(closed.code).toBe(CloseCode.ServiceRestart);
    expect(exitCode).toBe(0);
    expect((await sendText(cluster.url, alice, bob, "after the drain")).status).toBe(200);
    const back = await connect(cluster.url, bob, 200);
    await waitFor(() => back.received.some((r) => r.path === deliverPath && contentOf(r.body) === "after the drain"), {
      timeoutMs: 15_000,
      what: "delivery through the remaining node",
    });
    expect(first!.running).toBe(true);
  });
});
