// A message queued by `parley send` survives the sender being killed while the server is down:
// once the server is back, the sender's next run sends it, and the recipient gets it once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParleyFixture } from "./support/parley-fixture.js";

describe("parley client: crash safety", { timeout: 90_000 }, () => {
  let parley: ParleyFixture;

  beforeAll(async () => {
    parley = await ParleyFixture.start();
    await Promise.all([parley.register("alice", "alice"), parley.register("bob", "bob")]);
  }, 60_000);

  afterAll(() => parley?.close());

  it("delivers a message queued before a kill -9 exactly once after the server returns", async () => {
    await parley.ok("alice", ["send", "@bob", "while all is well"]);
    await parley.ok("bob", ["inbox"]);

    await parley.server.stop();
    const send = parley.spawn("alice", ["send", "@bob", "queued while the server was down"]);
    const [, messageId] = await send.waitFor(/^queued (\S+)$/m);
    await send.waitFor(/Not sent yet; still trying/, { stream: "stderr" });
    expect(send.running).toBe(true);
    send.kill("SIGKILL");
    expect((await send.exited).signal).toBe("SIGKILL");
    expect(send.stdout).not.toContain("sent");

    await parley.restartServer();
    const drained = JSON.parse(await parley.ok("alice", ["inbox", "--json"]));
    expect(drained.pending).toBe(0);
    expect(drained.updates).toContainEqual({ change: "status", message: expect.objectContaining({ messageId, status: "sent" }) });

    const first = JSON.parse(await parley.ok("bob", ["inbox", "--json"]));
    expect(first.messages.filter((m: { messageId: string }) => m.messageId === messageId)).toHaveLength(1);
    expect(first.messages.map((m: { text: string }) => m.text)).toEqual(["queued while the server was down"]);
    const again = JSON.parse(await parley.ok("bob", ["inbox", "--json"]));
    expect(again.messages).toEqual([]);
  });

  it("sends what --no-wait queued on the next run", async () => {
    const queued = await parley.ok("alice", ["send", "--no-wait", "@bob", "queued only"]);
    expect(queued).toMatch(/^queued \S+\n$/);
    await parley.ok("alice", ["inbox"]);
    expect(await parley.ok("bob", ["inbox"])).toMatch(/: queued only$/m);
  });
});
