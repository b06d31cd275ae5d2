// What every answer must look like, whatever was asked (docs/protocol.md, section 4): no 5xx; an
// error carries a JSON body with a code from the protocol's list, sent with that code's status; a
// success body sent as JSON is JSON.
import { httpStatusOf, isErrorCode } from "@parley/protocol";
import { FuzzCheckError } from "./fuzz-run.js";

export interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/**
 * Checks `answer` and returns its outcome for the tally: "204", "404 ROUTE_NOT_FOUND", … `what`
 * describes the request in a failure. A HEAD answer has no body to check.
 */
export function judgeAnswer(answer: Answer, what: () => string, options: { readonly head?: boolean } = {}): { outcome: string; code?: string } {
  const fail = (problem: string): never => {
    const text = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.length).toString("utf8");
    throw new FuzzCheckError(`${what()}: ${problem} (status ${answer.status}, body ${JSON.stringify(text.slice(0, 300))})`);
  };
  if (answer.status >= 500) fail("a server error");
  if (answer.status < 200 || (answer.status >= 300 && answer.status < 400)) fail("an unexpected status");
  if (options.head === true) return { outcome: `${answer.status} (HEAD)` };
  if (answer.status < 300) {
    if (answer.status === 204) {
      if (answer.body.length > 0) fail("a 204 with a body");
      return { outcome: "204" };
    }
    // Only GET /metrics (Prometheus text, outside the API) answers anything but JSON.
    const json = answer.contentType === undefined || answer.contentType.startsWith("application/json");
    if (answer.body.length > 0 && json && parseJson(answer.body) === undefined) fail("a success body sent as JSON that is not JSON");
    return { outcome: String(answer.status) };
  }
  if (answer.contentType !== undefined && !answer.contentType.startsWith("application/json")) fail(`an error sent as ${answer.contentType}`);
  const body = parseJson(answer.body);
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) return fail("an error without a JSON object body");
  const { code, message, details } = body as { code?: unknown; message?: unknown; details?: unknown };
  if (!isErrorCode(code)) return fail("an error without a code from the protocol's list");
  if (httpStatusOf(code) !== answer.status) fail(`code ${code} sent with the wrong status`);
  if (typeof message !== "string") fail("an error without a message");
  if (details !== undefined && (details === null || typeof details !== "object" || Array.isArray(details))) fail("error details that are not an object");
  return { outcome: `${answer.status} ${code}`, code };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
