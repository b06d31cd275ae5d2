// Passkeys through the SDK in a real browser (Debian's chromium through playwright-core) with a
// virtual WebAuthn authenticator (Chrome DevTools Protocol): the page creates a passkey with the
// browser's own WebAuthn and adds it to the account; registering the account again from a fresh
// store then asks for a second factor, which the page answers with the authenticator's assertion.
import type { Browser, Page } from "playwright-core";
import { freePort, startTestServer, type TestServer } from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPageServer, type PageServer } from "./browser/page-server.js";
import { bundleForBrowser } from "./support/bundle-for-browser.js";
import { callInPage, chromiumAvailable as available, chromiumPath, openTestPage } from "./support/test-page.js";


type PageApi = {
  register(username: string): Promise<string>;
  addPasskey(username: string, name: string): Promise<string>;
  reRegisterWithPasskey(username: string): Promise<{ accountId: string; asked: string[][] }>;
  passkeys(username: string): Promise<{ id: string; name: string; lastUsedAt?: number }[]>;
};
const inPage = <K extends keyof PageApi>(page: Page, method: K, ...args: Parameters<PageApi[K]>) => callInPage<PageApi, K>(page, method, ...args);

describe.skipIf(!available)(`SDK passkeys in a real browser${available ? "" : ` (skipped: no chromium at ${chromiumPath})`}`, { timeout: 60_000 }, () => {
  let server: TestServer;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // WebAuthn takes no IP address as relying party: the page is served as http://localhost:<port>,
    // which the server must name as an allowed origin before it starts.
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    server = await startTestServer({ settings: { auth: { pinHashCost: 1024, passkeys: { rpId: "localhost", rpName: "Parley", origins: [origin] } } } });
    const bundled = await bundleForBrowser(new URL("./browser/page-entry.ts", import.meta.url));
    expect(bundled.errors).toEqual([]);
    pages = await startPageServer(server, bundled.code, { port, hostname: "localhost" });
    const opened = await openTestPage(pages.url);
    ({ browser, page } = opened);
    expect(opened.errors).toEqual([]);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await server?.close();
  });

  it("adds a passkey with the browser's authenticator and re-registers the account with it", async () => {
    const accountId = await inPage(page, "register", "passkeyalice");
    const passkeyId = await inPage(page, "addPasskey", "passkeyalice", "this browser");
    expect(await inPage(page, "passkeys", "passkeyalice")).toEqual([expect.objectContaining({ id: passkeyId, name: "this browser" })]);

    const again = await inPage(page, "reRegisterWithPasskey", "passkeyalice");
    expect(again.accountId).toBe(accountId);
    expect(again.asked).toEqual([["passkey"]]);
    // The new primary sees the passkey, now used once.
    const [passkey] = await inPage(page, "passkeys", "passkeyalice");
    expect(passkey).toMatchObject({ id: passkeyId, lastUsedAt: expect.any(Number) });
  });
});
