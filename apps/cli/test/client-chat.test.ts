// `parley chat` with piped stdin: history with delivery marks, live messages, sending each line,
// read receipts for what it shows, and leaving at the end of input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParleyFixture } from "./support/parley-fixture.js";

describe("parley client: chat", { timeout: 60_000 }, () => {
  let parley: ParleyFixture;
  let bob: string;

  beforeAll(async () => {
    parley = await ParleyFixture.start();
    [, bob] = await Promise.all([parley.register("alice", "alice"), parley.register("bob", "bob")]);
  }, 60_000);

  afterAll(() => parley?.close());

  it("shows history and live messages, sends each line, marks what it shows read", async () => {
    await parley.ok("bob", ["contacts", "add", "Alice", "@alice"]);
    await parley.ok("bob", ["send", "Alice", "sent before the chat"]);
    await parley.ok("alice", ["send", "@bob", "an earlier one"]);

    const chat = parley.spawn("bob", ["chat", "Alice"]);
    await chat.waitFor(/^\[\S+\] you: sent before the chat ✓✓?$/m);
    await chat.waitFor(/^\[\S+\] Alice: an earlier one$/m);
    // Live: Alice sends while Bob's chat is open; Bob's chat marks it read.
    await parley.ok("alice", ["send", "@bob", "while you are in the chat"]);
    await chat.waitFor(/^\[\S+\] Alice: while you are in the chat$/m);

    chat.write("a reply typed in the chat\n/react 👍\n");
    await chat.waitFor(/^you → Alice: "a reply typed in the chat" ✓$/m);
    chat.endInput();
    const ended = await chat.result();
    expect(ended.code).toBe(0);
    expect(ended.stderr).toBe("Chat with Alice\n");

    const inbox = JSON.parse(await parley.ok("alice", ["inbox", "--json"]));
    expect(inbox.messages.map((m: { text: string }) => m.text)).toEqual(["sent before the chat", "a reply typed in the chat"]);
    const read = inbox.updates.filter((u: { change: string; message: { status: string } }) => u.change === "status" && u.message.status === "read");
    expect(read.map((u: { message: { text: string } }) => u.message.text).sort()).toEqual(["an earlier one", "while you are in the chat"]);
    // Alice's sends took no deliveries (send never does): her inbox sees every message and receipt.
    const reaction = inbox.updates.find((u: { change: string }) => u.change === "reaction");
    expect(reaction.message).toMatchObject({ text: "while you are in the chat", reactions: { [bob]: "👍" } });

    // Alice's own view of the conversation, with the marks her messages have now, in the order
    // her device stored them (Bob's first message reached it only with her inbox).
    const aliceChat = await parley.ok("alice", ["chat", "@bob", "--history", "4"], { input: "" });
    expect(aliceChat.split("\n").slice(0, 4)).toEqual([
      expect.stringMatching(/^\[\S+\] you: an earlier one ✓✓ read$/),
      expect.stringMatching(/^\[\S+\] you: while you are in the chat ✓✓ read \[👍 @bob\]$/),
      expect.stringMatching(/^\[\S+\] @bob: sent before the chat$/),
      expect.stringMatching(/^\[\S+\] @bob: a reply typed in the chat$/),
    ]);
  });
});
