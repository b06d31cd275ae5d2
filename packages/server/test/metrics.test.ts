import { deliverPath } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerAccount, startTestServer, TestSocket, waitFor, type RegisteredDevice, type TestServer } from "@parley/testkit";

/** The value of one sample line of the exposition ("name{labels} value"), or undefined. */
function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("Prometheus metrics", () => {
  let server: TestServer;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;
  const scrape = async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    return response.text();
  };

  beforeEach(async () => {
    server = await startTestServer();
    alice = await registerAccount(server);
    bob = await registerAccount(server);
  });
  afterEach(() => server.close());

  it("counts envelopes in and out, times commits and deliveries, and gauges connections", async () => {
    const before = await scrape();
    expect(sample(before, "parley_envelopes_in_total")).toBe(0);
    expect(sample(before, "parley_connections")).toBe(0);
    expect(sample(before, "parley_mailbox_depth")).toBe(0);
    const sent = await server.api.as(alice.credentials).put(`/v1/messages/${bob.credentials.accountId}`, {
      timestamp: 1,
      messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 1, content: Buffer.from("hi").toString("base64") }],
    });
    expect(sent.status).toBe(200);
    expect(sample(await scrape(), "parley_mailbox_depth")).toBe(1);
    const socket = await TestSocket.connect(server.url, bob.credentials);
    const delivery = await socket.nextRequest();
    expect(delivery.path).toBe(deliverPath);
    socket.respond(delivery, 200);
    await waitFor(async () => sample(await scrape(), "parley_envelopes_out_total") === 1, { what: "the acknowledgement to be counted" });
    const after = await scrape();
    expect(sample(after, "parley_envelopes_in_total")).toBe(1);
    expect(sample(after, "parley_mailbox_commit_seconds_count")).toBe(1);
    expect(sample(after, "parley_delivery_seconds_count")).toBe(1);
    expect(sample(after, "parley_connections")).toBe(1);
    expect(sample(after, "parley_mailbox_depth")).toBe(0);
    expect(sample(after, "parley_bus_up")).toBe(1);
    expect(after).toMatch(/^parley_process_cpu_user_seconds_total \S+$/m);
    await socket.close();
  });

  it("counts error responses by their stable code, with no account ids in any label", async () => {
    const unauthorized = await server.api.get(`/v1/devices`);
    expect(unauthorized.status).toBe(401);
    const text = await scrape();
    expect(sample(text, 'parley_api_errors_total{code="UNAUTHORIZED"}')).toBe(1);
    expect(text).not.toContain(alice.credentials.accountId);
    expect(text).not.toContain(bob.credentials.accountId);
  });
});
