// Linking a second device with the terminal client: `parley link` and `parley devices approve`
// run at the same time, as on two machines, and messages then reach both devices.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ParleyFixture } from "./support/parley-fixture.js";

describe("parley client: linked devices", { timeout: 90_000 }, () => {
  let parley: ParleyFixture;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    parley = await ParleyFixture.start();
    alice = await parley.register("alice", "alice");
    bob = await parley.register("bob", "bob");
  }, 60_000);

  afterEach(() => parley?.close());

  /** Links profile "laptop" to Alice's account as device 2, running link and approve at once. */
  async function linkLaptop(): Promise<void> {
    const link = parley.spawn("laptop", ["link", "--server", parley.server.url, "--device-name", "laptop"]);
    const [, code] = await link.waitFor(/^Linking code: (\S+)$/m);
    const approve = await parley.run("alice", ["devices", "approve", code!]);
    expect(approve.stderr).toContain("waiting for the new device");
    expect(approve).toMatchObject({ code: 0, stdout: "Device 2 linked.\n" });
    const linked = await link.result();
    expect(linked.code).toBe(0);
    expect(linked.stdout).toContain(`Linked: account ${alice}, device 2 (profile laptop).`);
  }

  it("links a second device, and both devices of the account receive", async () => {
    // Bob and Alice have talked before the link.
    await parley.ok("bob", ["send", "@alice", "before the link"]);
    await parley.ok("alice", ["inbox"]);

    await linkLaptop();
    const devices = JSON.parse(await parley.ok("laptop", ["devices", "--json"])).devices;
    expect(devices).toEqual([
      expect.objectContaining({ id: 1, thisDevice: false }),
      expect.objectContaining({ id: 2, name: "laptop", thisDevice: true }),
    ]);
    expect(await parley.ok("alice", ["devices"])).toMatch(/^\* +1 .*\(this device\)\n +2 +laptop /m);

    await parley.ok("bob", ["send", "@alice", "to both devices"]);
    const [phone, laptop] = await Promise.all([parley.ok("alice", ["inbox", "--json"]), parley.ok("laptop", ["inbox", "--json"])]);
    for (const inbox of [phone, laptop]) {
      expect(JSON.parse(inbox).messages.map((m: { text: string }) => m.text)).toEqual(["to both devices"]);
    }

    // What the laptop sends reaches Bob, and the phone sees it as sent by Alice from device 2.
    await parley.ok("laptop", ["send", "@bob", "from the laptop"]);
    expect(await parley.ok("bob", ["inbox"])).toMatch(/^\[\S+\] @alice: from the laptop$/m);
    // Alice's phone never looked Bob up, so it names him by account id.
    expect(await parley.ok("alice", ["inbox"])).toContain(`] you → ${bob}: from the laptop (from device 2)\n`);
  });

  it("removes a linked device, which is then told so", async () => {
    await linkLaptop();
    expect(await parley.ok("alice", ["devices", "remove", "2"])).toBe("Device 2 removed.\n");
    expect(JSON.parse(await parley.ok("alice", ["devices", "--json"])).devices.map((d: { id: number }) => d.id)).toEqual([1]);
    const removed = await parley.run("laptop", ["inbox"]);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toMatch(/\[DEVICE_REMOVED\]\n$/);
  });
});
