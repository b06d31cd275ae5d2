import { SignalError } from "../../src/errors.js";

/** The SignalError code `f` throws, "no error" when it returns; rethrows anything else. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (error instanceof SignalError) return error.code;
    throw error;
  }
  return "no error";
}
