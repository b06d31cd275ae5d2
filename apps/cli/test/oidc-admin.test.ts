// `parley oidc clients ...` and `parley oidc keys ...` against a running `parley serve` (through
// its admin socket: the server holds the database exclusively) and against a stopped one (the
// command opens the database itself).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerProcess } from "./support/processes.js";
import { StorageFixture } from "./support/storage-fixture.js";

const jwksKids = async (server: ServerProcess) =>
  ((await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

describe("parley oidc", { timeout: 120_000 }, () => {
  let fixture: StorageFixture;
  let server: ServerProcess;
  let dataDir: string;
  const oidc = (args: string[]) => fixture.run(["oidc", ...args, "--data-dir", dataDir]);

  beforeAll(async () => {
    fixture = await StorageFixture.create();
    dataDir = fixture.dataDir("oidc");
    server = await fixture.serve(dataDir);
  }, 60_000);
  afterAll(() => fixture?.close());

  let confidential: { id: string; secret: string };
  let publicId: string;

  it("registers a confidential client through the running server, printing the secret once", async () => {
    const added = await oidc(["clients", "add", "--name", "Example App", "--redirect-uri", "https://app.example/callback", "--redirect-uri", "http://127.0.0.1:8000/cb"]);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const id = /^client_id: (\S+)$/m.exec(added.stdout)?.[1];
    const secret = /^client_secret: (\S+)$/m.exec(added.stdout)?.[1];
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    confidential = { id: id!, secret: secret! };
    // The running server serves it at once: its authorization endpoint knows the client.
    const url = `${server.url}/oidc/auth?client_id=${id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent("https://app.example/callback")}&code_challenge=${"a".repeat(43)}&code_challenge_method=S256`;
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get("location")!, server.url).pathname).toMatch(/^\/oidc\/interaction\//);
  });

  it("registers a public client with public subjects, without a secret", async () => {
    const added = await oidc(["clients", "add", "--name", "Native App", "--redirect-uri", "com.example.app:/callback", "--public", "--subject", "public"]);
    expect(added.code).toBe(0);
    expect(added.stdout).not.toMatch(/client_secret/);
    publicId = /^client_id: (\S+)$/m.exec(added.stdout)![1]!;
  });

  it("lists the clients without their secrets", async () => {
    const listed = await oidc(["clients", "list"]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines).toEqual([
      `${confidential.id}  "Example App"  confidential  subject=pairwise  https://app.example/callback http://127.0.0.1:8000/cb`,
      `${publicId}  "Native App"  public  subject=public  com.example.app:/callback`,
    ]);
    expect(listed.stdout).not.toContain(confidential.secret);
  });

  it("refuses a redirect URI that is neither https, loopback http nor a private-use scheme", async () => {
    const refused = await oidc(["clients", "add", "--name", "Bad", "--redirect-uri", "http://app.example/callback"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/redirect URI must be https.*\[OIDC_INVALID_CLIENT\]/);
    expect((await oidc(["clients", "list"])).stdout.trim().split("\n")).toHaveLength(2);
  });

  it("rotates the signing key: the running server publishes both keys at once", async () => {
    const [firstKid] = await jwksKids(server);
    const before = await oidc(["keys", "list"]);
    expect(before.stdout).toMatch(new RegExp(`^${firstKid}  ES256  created \\S+  signing$`, "m"));
    const rotated = await oidc(["keys", "rotate"]);
    expect(rotated.code).toBe(0);
    const newKid = /^new signing key: (\S+)$/m.exec(rotated.stdout)![1]!;
    expect(await jwksKids(server)).toEqual([newKid, firstKid]);
    const after = (await oidc(["keys", "list"])).stdout.trim().split("\n");
    expect(after).toHaveLength(2);
    expect(after[0]).toMatch(new RegExp(`^${newKid}  ES256  created \\S+  signing$`));
    expect(after[1]).toMatch(new RegExp(`^${firstKid}  ES256  created \\S+  retired \\S+$`));
  });

  it("removes a client, and says so when there is none", async () => {
    const removed = await oidc(["clients", "remove", publicId]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`removed ${publicId}\n`);
    const again = await oidc(["clients", "remove", publicId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[OIDC_CLIENT_NOT_FOUND\]/);
  });

  it("works on the database directly when the server is stopped, which stores only a hash of the secret", async () => {
    await server.stop();
    const listed = await oidc(["clients", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(confidential.id);
    const rotated = await oidc(["keys", "rotate"]);
    expect(rotated.code).toBe(0);
    expect((await oidc(["keys", "list"])).stdout.trim().split("\n")).toHaveLength(3);
    // This database is not encrypted, so the control holds: the id is there, the secret is not.
    const database = readFileSync(join(dataDir, "parley.db"));
    expect(database.includes(Buffer.from(confidential.id))).toBe(true);
    expect(database.includes(Buffer.from(confidential.secret))).toBe(false);
  });
});
