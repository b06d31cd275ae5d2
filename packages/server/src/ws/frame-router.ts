// Maps WebSocket request frames to the route table, with the same router fastify uses for HTTP.
import FindMyWay, { type HTTPMethod } from "find-my-way";
import type { Route } from "../api/route.js";

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export class FrameRouter {
  private readonly router = FindMyWay({ ignoreTrailingSlash: false });

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      this.router.on(route.method as HTTPMethod, route.url, () => undefined, { route });
    }
  }

  match(verb: string, path: string): RouteMatch | undefined {
    const query = path.indexOf("?");
    const found = this.router.find(verb as HTTPMethod, query < 0 ? path : path.slice(0, query));
    if (!found) return undefined;
    const route = (found.store as { route: Route }).route;
    return { route, params: found.params as Record<string, string> };
  }
}
