// Failures of the routes that check a secret the client is guessing at (a verification code, a
// linking token), written to the audit log where they happen, for both transports.
import { ErrorCode } from "@parley/protocol";
import type { Route, RouteRequest } from "../api/route.js";
import { ApiError } from "../domain/api-error.js";
import type { AuditLog } from "./audit-log.js";

type Auditor = (error: ApiError, ip: string, audit: AuditLog) => void;

const auditors: Readonly<Record<string, Auditor>> = {
  "PUT /v1/verification/sessions/:sessionId/code": (error, ip, audit) => {
    if (error.code === ErrorCode.VerificationCodeIncorrect) {
      const attemptsLeft = error.details?.["attemptsLeft"];
      audit.record({ event: "code_failed", ip, ...(typeof attemptsLeft === "number" ? { attemptsLeft } : {}) });
    } else if (error.code === ErrorCode.VerificationAttemptsExhausted) {
      audit.record({ event: "code_lockout", ip });
    }
  },
  "POST /v1/devices/link": (error, ip, audit) => {
    if (error.code === ErrorCode.LinkTokenInvalid) audit.record({ event: "link_failed", ip });
  },
};

/** The routes, those that check guessable secrets audited; the others unchanged. */
export function withAuditedFailures(routes: readonly Route[], audit: AuditLog): Route[] {
  return routes.map((route) => {
    const auditor = auditors[`${route.method} ${route.url}`];
    if (auditor === undefined) return route;
    const handle = route.handle.bind(route);
    return {
      ...route,
      handle: async (request: RouteRequest) => {
        try {
          return await handle(request);
        } catch (error) {
          if (error instanceof ApiError) auditor(error, request.client?.ip ?? "unknown", audit);
          throw error;
        }
      },
    };
  });
}
