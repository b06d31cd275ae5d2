// Failures of the SDK's storage layer carry a stable code; callers branch on `code`, never on the
// message. Messages name keys' kinds, never stored values or key material.
import { ParleyError } from "../errors.js";

export const StorageErrorCode = {
  /** The store was closed; no further call succeeds. */
  Closed: "STORE_CLOSED",
  /** `StorageRunner.run` was called from inside a unit it is running: it would wait for itself. */
  NestedRun: "STORE_NESTED_RUN",
  /** A unit read writes of an earlier unit whose commit then failed; its own writes were dropped. */
  CommitFailed: "STORE_COMMIT_FAILED",
  /** A unit of work was used after its `run` settled. */
  UnitEnded: "STORE_UNIT_ENDED",
  /** A stored record could not be decoded (a foreign, newer or damaged value). */
  CorruptRecord: "STORE_CORRUPT_RECORD",
  /** The device has no local identity yet: it must be created (or linked) first. */
  NoLocalIdentity: "STORE_NO_LOCAL_IDENTITY",
} as const;

export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export class StorageError extends ParleyError<StorageErrorCode> {
  override readonly name = "StorageError";
}

export function isStorageError(value: unknown, code?: StorageErrorCode): value is StorageError {
  return value instanceof StorageError && (code === undefined || value.code === code);
}
