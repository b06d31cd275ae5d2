// Runs in every test worker. better-sqlite3 12 aborts the process on Node 24 when a prepared
// statement is garbage-collected during the worker's teardown (its destructor reaches for an
// environment that is gone). Collecting garbage after each test file, while the environment is
// still alive, finalizes the statements of closed databases in time.
import { afterAll } from "vitest";

afterAll(() => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
});
