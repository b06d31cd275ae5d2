// A client worker of the e2ee benchmark: opens its pairs of clients, warms up their sessions, then
// sends text messages between partners (closed loop with a window, or open loop at a rate) and
// reports send-to-receive latencies. Delivery receipts are on, as in real use.
import { parentPort, workerData } from "node:worker_threads";
import type { ParleyClient } from "@parley/sdk";
import { nowMs, openClient, useBackend } from "./node-client.js";
import type { FromWorker, ToWorker, WorkerInput } from "./worker-protocol.js";

const input = workerData as WorkerInput;
useBackend(input.backend);
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

interface Sender {
  readonly client: ParleyClient;
  readonly partner: ParleyClient;
  inflight: number;
}

async function main(): Promise<void> {
  const clients: ParleyClient[] = [];
  const senders: Sender[] = [];
  for (const [a, b] of input.pairs) {
    const first = await openClient(a);
    const second = await openClient(b);
    clients.push(first, second);
    senders.push({ client: first, partner: second, inflight: 0 }, { client: second, partner: first, inflight: 0 });
  }
  await Promise.all(clients.map((c) => c.connect()));
  // Warm-up: one message each way per pair starts every session.
  await Promise.all(
    senders.map(async (s) => {
      const got = s.partner.events.once("message", (e) => e.message.author === s.client.accountId);
      await s.client.sendText(s.partner.accountId, "warm-up");
      await got;
    }),
  );
  post({ type: "ready" });
  const command = await new Promise<ToWorker>((resolve) => port.once("message", resolve));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  let sent = 0;
  let errors = 0;
  let measuring = true;
  const payload = "x".repeat(140);

  const send = (s: Sender) => {
    s.inflight++;
    sent++;
    const at = nowMs();
    s.client.sendText(s.partner.accountId, payload).then(
      (id) => sentAt.set(id, at),
      () => errors++,
    );
  };
  for (const s of senders) {
    s.partner.events.on("message", (e) => {
      if (e.message.author !== s.client.accountId) return;
      const at = sentAt.get(e.message.messageId);
      if (at === undefined) return;
      sentAt.delete(e.message.messageId);
      s.inflight--;
      if (!measuring) return;
      received++;
      latencies.push(nowMs() - at);
      if (command.ratePerSender === undefined) send(s);
    });
    s.client.events.on("error", () => errors++);
  }
  let timer: ReturnType<typeof setInterval> | undefined;
  if (command.ratePerSender === undefined) {
    for (const s of senders) for (let i = 0; i < command.inflight; i++) send(s);
  } else {
    const start = nowMs();
    const due = new Map<Sender, number>(senders.map((s) => [s, 0]));
    timer = setInterval(() => {
      const elapsed = (nowMs() - start) / 1000;
      for (const s of senders) {
        const target = Math.floor(elapsed * command.ratePerSender!);
        while (due.get(s)! < target) {
          due.set(s, due.get(s)! + 1);
          send(s);
        }
      }
    }, 5);
  }
  await new Promise((resolve) => setTimeout(resolve, command.seconds * 1000));
  measuring = false;
  if (timer) clearInterval(timer);
  post({ type: "done", latenciesMs: Float64Array.from(latencies), received, sent, errors });
  await Promise.all(clients.map(async (c) => {
    await c.close();
    await c.store.close();
  }));
}

main().catch((error: unknown) => post({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
