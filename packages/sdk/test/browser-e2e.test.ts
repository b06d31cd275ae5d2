// The SDK unchanged in a real browser (Debian's chromium through playwright-core): a client in the
// page and a client in Node exchange end-to-end encrypted messages both ways over a real server,
// the page using the browser's own WebSocket, fetch and WebCrypto.
import type { Browser, Page } from "playwright-core";
import { startTestServer, waitFor, type TestServer } from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParleyClient } from "../src/index.js";
import { startPageServer, type PageServer } from "./browser/page-server.js";
import { bundleForBrowser } from "./support/bundle-for-browser.js";
import { callInPage, chromiumAvailable as available, chromiumPath, openTestPage } from "./support/test-page.js";
import { registerClient } from "./support/clients.js";


/** The page's test API (see browser/page-entry.ts), called inside the page. */
type PageApi = {
  register(username: string): Promise<string>;
  sendText(username: string, to: string, text: string): Promise<string>;
  inbox(username: string): string[];
  status(username: string, conversation: string, messageId: string): Promise<string | undefined>;
};
const inPage = <K extends keyof PageApi>(page: Page, method: K, ...args: Parameters<PageApi[K]>) => callInPage<PageApi, K>(page, method, ...args);

describe.skipIf(!available)(`SDK in a real browser${available ? "" : ` (skipped: no chromium at ${chromiumPath})`}`, { timeout: 60_000 }, () => {
  let server: TestServer;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  let bob: ParleyClient;

  beforeAll(async () => {
    server = await startTestServer();
    const bundled = await bundleForBrowser(new URL("./browser/page-entry.ts", import.meta.url));
    expect(bundled.errors).toEqual([]);
    pages = await startPageServer(server, bundled.code);
    const opened = await openTestPage(pages.url);
    ({ browser, page } = opened);
    expect(opened.errors).toEqual([]);
    bob = await registerClient(server);
  });

  afterAll(async () => {
    await bob?.close();
    await browser?.close();
    await pages?.close();
    await server?.close();
  });

  it("registers in the page and exchanges encrypted messages with a Node client, both ways", async () => {
    const alice = await inPage(page, "register", "browseralice");
    const sent = await inPage(page, "sendText", "browseralice", bob.accountId, "hello from the browser");
    const { message } = await bob.events.once("message");
    expect(message).toMatchObject({ text: "hello from the browser", author: alice, direction: "in" });
    await waitFor(async () => (await inPage(page, "status", "browseralice", bob.accountId, sent)) === "delivered", {
      timeoutMs: 15_000,
      what: "the delivery receipt in the page",
    });

    await bob.sendText(alice, "hello from node");
    await waitFor(async () => (await inPage(page, "inbox", "browseralice")).includes("hello from node"), {
      timeoutMs: 15_000,
      what: "the reply in the page",
    });
    // The server saw only ciphertext: the plaintext appears in no stored envelope.
    for (const envelope of await server.stores.mailbox.read({ accountId: alice, deviceId: 1 }, 0, 100)) {
      expect(Buffer.from(envelope.data).includes("hello from node")).toBe(false);
    }
  });
});
