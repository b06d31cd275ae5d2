// Counts error responses by their stable code, for every transport (HTTP and WebSocket share the
// dispatcher).
import type { ErrorBody } from "@parley/protocol";
import type { Dispatcher } from "../api/dispatch.js";
import type { ServerMetrics } from "./server-metrics.js";

export function instrumentedDispatcher(inner: Dispatcher, metrics: ServerMetrics): Dispatcher {
  return {
    async dispatch(route, request) {
      const result = await inner.dispatch(route, request);
      if (result.status >= 400) metrics.errors.inc({ code: (result.body as Partial<ErrorBody> | undefined)?.code ?? "UNKNOWN" });
      return result;
    },
  };
}
