// A browser going through "Sign in with Parley" on the fuzz server, for the material the OIDC fuzz
// target needs: pending sign-ins (with the cookies that own them) and authorization codes. It keeps
// its cookies by name (the provider's paths never overlap within one sign-in) and has each code
// shown on a login page approved by a device of alice's.
import { FuzzCheckError } from "./fuzz-run.js";
import type { FuzzRequest, FuzzResponse } from "./fuzz-http-client.js";
import type { FuzzServer } from "./fuzz-server.js";

/** Where a walk through the sign-in stops. */
type Stop = "login" | "consent" | "code";

export class OidcSignIn {
  readonly #cookies = new Map<string, string>();

  constructor(
    private readonly server: FuzzServer,
    /** The authorization request every walk starts with (path and query). */
    private readonly start: string,
  ) {}

  /** The Cookie header this browser sends. */
  get cookie(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Starts a sign-in and stops at its login page: the interaction's uid. */
  async pendingLogin(): Promise<string> {
    return (await this.#walk("login")).uid;
  }

  /** Signs in (approving on a device) and stops at the consent page: the interaction's uid. */
  async pendingConsent(): Promise<string> {
    return (await this.#walk("consent")).uid;
  }

  /** A fresh authorization code: signs in and consents as far as needed. */
  async code(): Promise<string> {
    return (await this.#walk("code")).code;
  }

  async #walk(stop: Stop): Promise<{ uid: string; code: string }> {
    let request: FuzzRequest = { method: "GET", path: this.start, headers: {} };
    for (let step = 0; step < 12; step++) {
      const answer = await this.#send(request);
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && location !== undefined) {
        const target = new URL(location, this.server.url);
        if (target.href.startsWith(`${this.server.oidcClient.redirectUri}?`)) {
          const code = target.searchParams.get("code");
          if (code === null) throw new FuzzCheckError(`the sign-in ended without a code: ${location}`);
          return { uid: "", code };
        }
        request = { method: "GET", path: `${target.pathname}${target.search}`, headers: {} };
        continue;
      }
      const uid = /^\/oidc\/interaction\/([^/?]+)$/.exec(request.path)?.[1];
      if (answer.status !== 200 || uid === undefined) throw new FuzzCheckError(`the sign-in went wrong at ${request.method} ${request.path}: ${answer.status}`);
      const shown = /id="code">([A-Z0-9]{4}-[A-Z0-9]{4})</.exec(answer.body.toString("utf8"))?.[1];
      if (shown !== undefined) {
        if (stop === "login") return { uid, code: "" };
        const approved = await this.server.test.api.as(this.server.alice.credentials).post(`/v1/oidc/sign-ins/${shown}/approval`);
        if (approved.status !== 204) throw new FuzzCheckError(`approving sign-in ${shown} answered ${approved.status}`);
        request = this.#form(`${request.path}/login`, "");
      } else {
        if (stop === "consent") return { uid, code: "" };
        request = this.#form(`${request.path}/consent`, "decision=allow");
      }
    }
    throw new FuzzCheckError("the sign-in took more than 12 steps");
  }

  #form(path: string, body: string): FuzzRequest {
    const headers = { "content-type": "application/x-www-form-urlencoded", origin: new URL(this.server.url).origin };
    return { method: "POST", path, headers, body: Buffer.from(body, "utf8") };
  }

  async #send(request: FuzzRequest): Promise<FuzzResponse> {
    const cookie = this.cookie;
    const answer = await this.server.http.send({ ...request, headers: cookie === "" ? request.headers : { ...request.headers, cookie } });
    const set = answer.headers["set-cookie"] ?? [];
    for (const line of set) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (a.toLowerCase().startsWith("expires=") && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return answer;
  }
}
