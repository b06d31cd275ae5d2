// Serves the browser test's page and bundle, and passes everything else through to a Parley test
// server, WebSocket upgrades included, so the page and the API share one origin (as a web app
// served by the same host would).
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect } from "node:net";
import type { TestServer } from "@parley/testkit";

const page = `<!doctype html><meta charset="utf-8"><title>Parley SDK test</title><script type="module" src="/bundle.js"></script>`;

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `port`: listen there instead of on a free port (a test that must name the page's origin before
 * the page server starts); `hostname`: how the page's URL names the loopback address ("localhost"
 * for WebAuthn, which takes no IP address as relying party id).
 */
export async function startPageServer(parley: TestServer, bundle: string, options: { port?: number; hostname?: string } = {}): Promise<PageServer> {
  const target = new URL(parley.url);
  const tunnels = new Set<{ destroy(): void }>();
  const server: Server = createServer((req, res) => {
    if (req.url === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(page);
    if (req.url === "/bundle.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    if (req.url?.startsWith("/test-code/")) {
      const username = decodeURIComponent(req.url.slice("/test-code/".length));
      return void res.writeHead(200, { "content-type": "text/plain" }).end(parley.codes.codeFor(username.toLowerCase()));
    }
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("upgrade", (req, socket, head) => {
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(", ") : value}`)];
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    tunnels.add(upstream).add(socket);
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("close", close);
    socket.on("close", close);
    upstream.on("error", close);
    socket.on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.hostname ?? "127.0.0.1"}:${port}`,
    close: async () => {
      server.closeAllConnections();
      for (const tunnel of tunnels) tunnel.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
