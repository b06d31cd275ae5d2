// The server under generated input, a small share of each fuzz target (the full share runs in
// `npm run fuzz`; FUZZ_SEED replays a run). Its parsers of network input on their own; then, against
// one server on a SQLite file: every route of the OpenAPI document over HTTP and through WebSocket
// frames, raw HTTP and WebSocket bytes, the OpenID Connect provider under /oidc, and every field of
// a send; and a server of its own with the abuse defences on and tight, behind a trusted proxy
// speaking for generated clients. No answer is a 5xx, every error
// carries a code from the protocol's list with that code's status, sends are answered and stored as
// section 5.6 documents, malformed socket messages close the socket with the documented code, the
// server logs no fault and keeps serving, and the store it leaves behind is consistent.
import { assertConsistent, fuzzRuns, fuzzSeed, FuzzServer, fuzzTarget } from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const seed = fuzzSeed();

async function fuzz(name: string, server?: FuzzServer): Promise<void> {
  const target = fuzzTarget(name);
  const result = await target.run({ seed, numRuns: fuzzRuns(target, "test") }, server);
  expect(result.inputs).toBe(fuzzRuns(target, "test"));
}

describe("server parsers under fuzzing", () => {
  it("parse any Authorization header to valid credentials or refuse it, without throwing", () => fuzz("decode/authorization-header"));

  it("decode only canonical bus event payloads, and never throw", () => fuzz("decode/bus-event"));

  it("verify genuine signatures and refuse any changed key, message or signature, without throwing", () => fuzz("decode/xeddsa-signature"));
});

describe("a server with its abuse defences on, under fuzzing", () => {
  it("refuses with 429 and a Retry-After or 403 for exactly the denied clients behind its proxy, and serves again once the windows pass", () =>
    fuzz("http/defended-routes"));
});

describe("a server under fuzzing", () => {
  let server: FuzzServer | undefined;
  beforeAll(async () => {
    server = await FuzzServer.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers generated requests to every route with documented statuses and codes", () => fuzz("http/routes", server));

  it("answers raw request bytes with a coded error, or closes the connection", () => fuzz("http/raw-requests", server));

  it("answers generated requests to the OpenID Connect provider with OAuth errors, redirects or pages, and still starts a sign-in", () => fuzz("http/oidc", server));

  it("answers every send as documented and stores exactly what a 200 promised, over HTTP and the socket", () => fuzz("send/envelope-fields", server));

  it("answers generated request frames to every route as HTTP would", () => fuzz("ws/requests", server));

  it("closes sockets on malformed, text and oversized messages with 4003 or 1009, and answers requests", () => fuzz("ws/raw-messages", server));

  it("leaves a consistent store behind", async () => {
    const closing = server!;
    server = undefined;
    const report = await closing.close();
    assertConsistent(report, "after fuzzing");
    expect(report.counts["mailbox_entries"]).toBeGreaterThan(0);
  });
});
