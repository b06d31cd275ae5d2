// A small browser for tests of web flows (OpenID Connect sign-in): fetch with manual redirects and
// a cookie jar that honours cookie paths and expiry, reading pages and posting forms as a person
// would. A form is posted with the Origin header a browser would send for it: the page's origin,
// or "null" when the page that holds the form asked for Referrer-Policy: no-referrer (the Fetch
// standard serializes the origin of such a request as null).

interface Cookie {
  readonly value: string;
  readonly path: string;
}

/** Cookies by name and path, sent to requests whose path they cover. */
export class Browser {
  readonly #cookies = new Map<string, Cookie>();
  /** The Referrer-Policy of the last page loaded (what holds the next form). */
  #referrerPolicy = "";

  constructor(private readonly origin: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = {};
    const cookies = [...this.#cookies.entries()]
      .filter(([, cookie]) => target.pathname.startsWith(cookie.path))
      .map(([key, cookie]) => `${key.split("\u0000")[0]}=${cookie.value}`);
    if (cookies.length > 0) headers["cookie"] = cookies.join("; ");
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["origin"] = this.#referrerPolicy === "no-referrer" ? "null" : this.origin;
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? (init.form ? "POST" : "GET"), headers, redirect: "manual", ...(body ? { body } : {}) });
    for (const line of response.headers.getSetCookie()) this.#store(line);
    if (response.status < 300 || response.status >= 400) this.#referrerPolicy = (response.headers.get("referrer-policy") ?? "").trim().toLowerCase();
    return response;
  }

  /** Follows redirects within the provider; resolves with the first response that is not one, or a redirect elsewhere. */
  async follow(url: string, init: { form?: Record<string, string> } = {}): Promise<{ response: Response; url: string }> {
    let response = await this.request(url, init);
    let current = new URL(url, this.origin).href;
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const location = new URL(response.headers.get("location") ?? "", current).href;
      if (!location.startsWith(this.origin)) return { response, url: location };
      current = location;
      response = await this.request(location);
    }
    return { response, url: current };
  }

  #store(line: string): void {
    const [pair, ...attributes] = line.split(";").map((part) => part.trim());
    const eq = pair!.indexOf("=");
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const path = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
    const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (a.toLowerCase().startsWith("expires=") && Date.parse(a.slice(8)) < Date.now()));
    const key = `${name}\u0000${path}`;
    if (expired || value === "") this.#cookies.delete(key);
    else this.#cookies.set(key, { value, path });
  }
}
