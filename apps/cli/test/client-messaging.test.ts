// The terminal client end to end: real `parley` processes against a real `parley serve`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientEnv, ParleyFixture, passphrase } from "./support/parley-fixture.js";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@parley/testkit";

describe("parley client: registering, sending and receiving", { timeout: 60_000 }, () => {
  let parley: ParleyFixture;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    parley = await ParleyFixture.start();
    [alice, bob] = await Promise.all([parley.register("alice", "alice"), parley.register("bob", "bob")]);
  }, 60_000);

  afterAll(() => parley?.close());

  it("registers with the code typed on stdin, asking again after a wrong one", async () => {
    const child = parley.spawn("carol", ["register", "--server", parley.server.url, "--username", "carol", "--device-name", "desk"]);
    await waitFor(() => parley.server.codes("carol").length === 1, { timeoutMs: 15_000 });
    const code = parley.server.codes("carol")[0]!;
    const wrong = code.replace(/.$/, (digit) => String((Number(digit) + 1) % 10));
    child.write(`${wrong}\n`);
    await child.waitFor(/not right; 4 attempts left/, { stream: "stderr" });
    child.write(`${code}\n`);
    const result = await child.result();
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/generating keys/);
    expect(result.stdout).toMatch(/^Registered @carol: account [0-9a-f-]{36}, device 1/);
    const whoami = JSON.parse(await parley.ok("carol", ["whoami", "--json"]));
    expect(whoami).toMatchObject({ deviceId: 1, identifier: { kind: "username", value: "carol" }, profile: "carol" });
    const devices = JSON.parse(await parley.ok("carol", ["devices", "--json"]));
    expect(devices.devices).toEqual([expect.objectContaining({ id: 1, name: "desk", thisDevice: true })]);
  });

  it("sends and receives both ways, with delivery reported back", async () => {
    const sent = await parley.ok("alice", ["send", "@bob", "hello", "bob"]);
    const [, queuedId] = sent.match(/^queued (\S+)$/m)!;
    expect(sent).toMatch(new RegExp(`^queued ${queuedId}\\nsent ${queuedId}\\n$`));

    const bobInbox = await parley.ok("bob", ["inbox"]);
    expect(bobInbox).toMatch(new RegExp(`^\\[\\S+\\] ${alice}: hello bob$`, "m"));

    // By account id this time; Alice knows Bob as @bob.
    await parley.ok("bob", ["send", alice, "hi alice"]);
    const aliceInbox = await parley.ok("alice", ["inbox"]);
    expect(aliceInbox).toMatch(/^\[\S+\] @bob: hi alice$/m);
    expect(aliceInbox).toMatch(/^you → @bob: "hello bob" ✓✓$/m);
    expect(await parley.ok("alice", ["inbox"])).toBe("No new messages.\n");
  });

  it("prints JSON that parses with --json", async () => {
    const lines = (await parley.ok("bob", ["send", "--json", alice, "in json"])).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { messageId: expect.any(String), to: alice, status: "queued" },
      { messageId: lines[0].messageId, to: alice, status: "sent" },
    ]);
    const inbox = JSON.parse(await parley.ok("alice", ["inbox", "--json"]));
    expect(inbox.pending).toBe(0);
    expect(inbox.messages).toEqual([
      expect.objectContaining({ messageId: lines[0].messageId, author: bob, authorName: "@bob", direction: "in", text: "in json", status: "received" }),
    ]);
    expect(JSON.parse(await parley.ok("alice", ["whoami", "--json"]))).toEqual({
      accountId: alice,
      deviceId: 1,
      identifier: { kind: "username", value: "alice" },
      profile: "alice",
    });
    const contacts = JSON.parse(await parley.ok("alice", ["--json", "contacts"]));
    expect(contacts.contacts).toContainEqual({ accountId: bob, name: null, identifier: { kind: "username", value: "bob" }, identityKey: "first-use" });
    const fromAlice = JSON.parse(await parley.ok("alice", ["safety-number", "@bob", "--json"]));
    const fromBob = JSON.parse(await parley.ok("bob", ["safety-number", alice, "--json"]));
    expect(fromAlice.digits).toMatch(/^[0-9]{60}$/);
    expect(fromAlice.digits).toBe(fromBob.digits);
    expect(fromAlice.groups).toHaveLength(12);
  });

  it("shows the safety number in groups of five and accepts saved contact names", async () => {
    await parley.ok("alice", ["contacts", "add", "Bobby", "@bob"]);
    const text = await parley.ok("alice", ["safety-number", "Bobby"]);
    expect(text).toMatch(/^Safety number with Bobby:\n( {2}[0-9]{5}( [0-9]{5}){3}\n){3}/);
    expect(await parley.ok("alice", ["trust", "Bobby", "--verified"])).toBe("Bobby's identity key is marked verified.\n");
    expect(await parley.ok("alice", ["contacts"])).toContain(`Bobby @bob  ${bob}  identity key: verified`);
  });

  it("refuses a wrong passphrase with a clear error, and reads one from a file", async () => {
    const wrong = await parley.run("alice", ["whoami"], { env: clientEnv({ PARLEY_PASSPHRASE: "not it" }) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe("parley: the passphrase does not open this store [STORE_WRONG_PASSPHRASE]\n");
    const json = await parley.run("alice", ["whoami", "--json"], { env: clientEnv({ PARLEY_PASSPHRASE: "not it" }) });
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: "STORE_WRONG_PASSPHRASE", message: "the passphrase does not open this store" } });
    expect(json.stdout).toBe("");

    const none = await parley.run("alice", ["whoami"], { env: clientEnv({ PARLEY_PASSPHRASE: "" }) });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/PARLEY_PASSPHRASE or pass --passphrase-file .* \[PASSPHRASE_REQUIRED\]\n$/);

    const file = join(parley.dir.path, "passphrase.txt");
    await writeFile(file, `${passphrase}\n`, { mode: 0o600 });
    expect(await parley.ok("alice", ["whoami", "--passphrase-file", file], { env: clientEnv({ PARLEY_PASSPHRASE: "" }) })).toMatch(/^@alice: account/);
  });

  it("names what is wrong when a contact or profile is unknown", async () => {
    const nobody = await parley.run("alice", ["send", "@nobody_here", "hi"]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe("parley: nobody is registered as @nobody_here [CONTACT_UNKNOWN]\n");
    const stranger = await parley.run("alice", ["send", "Stranger", "hi"]);
    expect(stranger.stderr).toMatch(/no contact named Stranger.*\[CONTACT_UNKNOWN\]\n$/);
    const missing = await parley.run("nobody", ["inbox"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/profile nobody holds no device yet.*\[PROFILE_NOT_FOUND\]\n$/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
