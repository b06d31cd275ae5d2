// The page the browser tests drive: Debian's chromium (playwright-core) opening the bundled test
// entry (browser/page-entry.ts), whose test API is reached through `callInPage`.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const chromiumPath = process.env["PARLEY_CHROMIUM"] ?? "/usr/bin/chromium";
/** Whether chromium is installed; in CI its absence is an error, not a reason to skip. */
export const chromiumAvailable = existsSync(chromiumPath);
if (!chromiumAvailable && process.env["CI"] === "true") throw new Error(`the browser test needs chromium at ${chromiumPath}`);

/**
 * Launches chromium and opens `url` once the page's test API is there; `errors` collects the
 * page's uncaught errors from the start.
 */
export async function openTestPage(url: string): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url);
  await page.waitForFunction(() => "parleyTest" in globalThis);
  return { browser, page, errors };
}

/** Calls `method` of the page's test API (typed by `Api`) with `args`, inside the page. */
export function callInPage<Api extends Record<string, (...args: never[]) => unknown>, K extends keyof Api & string>(
  page: Page,
  method: K,
  ...args: Parameters<Api[K]>
): Promise<Awaited<ReturnType<Api[K]>>> {
  return page.evaluate(
    ([name, params]) => (globalThis as unknown as { parleyTest: Record<string, (...a: unknown[]) => unknown> }).parleyTest[name]!(...params),
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<Api[K]>>>;
}
