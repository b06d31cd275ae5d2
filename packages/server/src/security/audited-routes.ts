// Failures of the routes that check a secret the client is guessing at (a verification code, a
// linking token, a registration lock PIN or second factor), written to the audit log where they happen, for both transports.
import { ErrorCode } from "@parley/protocol";
import type { Route, RouteRequest } from "../api/route.js";
import { ApiError } from "../domain/api-error.js";
import { FactorCheckError } from "../domain/factor-attempts.js";
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
  "POST /v1/registration": (error, ip, audit) => auditFactorFailure(error, ip, audit),
  "POST /v1/devices/link": (error, ip, audit) => {
    if (error.code === ErrorCode.LinkTokenInvalid) audit.record({ event: "link_failed", ip });
    else auditFactorFailure(error, ip, audit);
  },
};

/** Wrong PINs and second factors, and lockouts; a missing factor (423) is not a failure. */
function auditFactorFailure(error: ApiError, ip: string, audit: AuditLog): void {
  if (!(error instanceof FactorCheckError)) return;
  const account = error.accountId;
  if (error.code === ErrorCode.FactorAttemptsExhausted) {
    const retryAfterSeconds = error.details?.["retryAfterSeconds"];
    audit.record({ event: "factor_lockout", ip, account, retryAfterSeconds: typeof retryAfterSeconds === "number" ? retryAfterSeconds : 0 });
  } else if (error.code !== ErrorCode.RegistrationLocked) {
    const attemptsLeft = error.details?.["attemptsLeft"];
    audit.record({ event: "factor_failed", ip, account, code: error.code, ...(typeof attemptsLeft === "number" ? { attemptsLeft } : {}) });
  }
}

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
