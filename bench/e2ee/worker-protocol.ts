// Messages between the e2ee benchmark and its client worker threads.

export interface WorkerInput {
  /** Pairs of client store paths; each pair talks to each other. */
  readonly pairs: readonly (readonly [string, string])[];
  /** The Signal Protocol's crypto backend in this worker. */
  readonly backend: CryptoBackendName;
}

export type CryptoBackendName = "node" | "webcrypto";

export type ToWorker =
  | { readonly type: "load"; readonly seconds: number; readonly inflight: number; readonly ratePerSender: number | undefined };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly latenciesMs: Float64Array; readonly received: number; readonly sent: number; readonly errors: number }
  | { readonly type: "failed"; readonly message: string };
