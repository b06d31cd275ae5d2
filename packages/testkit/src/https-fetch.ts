// A fetch for tests against a server with a self-signed certificate: node:https with that
// certificate as the only trust anchor (the built-in fetch takes no CA option). It covers what
// ApiClient uses: a method, headers, a string or byte body; the response is a standard Response.
import { request } from "node:https";

export type FetchFunction = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }) => Promise<Response>;

export function httpsFetch(ca: string | Buffer): FetchFunction {
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const outgoing = request(url, { method: init.method ?? "GET", headers: init.headers ?? {}, ca }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
          }
          const status = incoming.statusCode ?? 0;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
      });
      outgoing.on("error", reject);
      outgoing.end(init.body);
    });
}
