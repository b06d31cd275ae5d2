// What every client command shares: the global options, the profile and its passphrase, the
// client and store it opens (closed again in reverse order however the command ends), output in
// text or --json, interrupts, and the exit status. A command body throws to fail; the error is
// printed as `parley: message [CODE]` (with the stack only under PARLEY_DEBUG=1).
import { ParleyClient, ParleyError, SdkErrorCode, type ClientOptions, type KeyValueStore } from "@parley/sdk";
import { useNodeCrypto } from "@parley/signal-node";
import type { Command } from "commander";
import { CliError, CliErrorCode, describeError, exitStatusOf } from "./cli-error.js";
import { nodeClientOptions } from "./node-platform.js";
import { Output } from "./output.js";
import { readPassphrase } from "./passphrase.js";
import { Profile } from "./profile.js";
import { Terminal } from "./terminal.js";

export interface GlobalFlags {
  readonly data?: string;
  readonly profile?: string;
  readonly passphraseFile?: string;
  readonly json?: boolean;
}

export class ClientCommand {
  readonly out: Output;
  readonly terminal = new Terminal();
  readonly profile: Profile;
  readonly debug: boolean;
  readonly #flags: GlobalFlags;
  readonly #env: NodeJS.ProcessEnv;
  /** Run in reverse order when the command ends. */
  readonly #closers: Array<() => Promise<void>> = [];
  #closing = false;
  #interrupted = false;
  #onInterrupt: (() => void) | undefined;
  readonly #stopped: Promise<never>;
  #stop!: (error: unknown) => void;

  constructor(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env) {
    this.#flags = flags;
    this.#env = env;
    this.out = new Output(flags.json === true);
    this.debug = env["PARLEY_DEBUG"] === "1";
    this.profile = Profile.select(flags, env);
    this.#stopped = new Promise<never>((_, reject) => (this.#stop = reject));
    // Observed through until(); a stop nobody is waiting for is not an unhandled rejection.
    this.#stopped.catch(() => undefined);
  }

  /** The environment the command runs in (PARLEY_* variables). */
  get env(): NodeJS.ProcessEnv {
    return this.#env;
  }

  /** Opens the profile's device (asking for the passphrase if need be). */
  async openClient(): Promise<ParleyClient> {
    if (!this.profile.exists()) {
      throw new CliError(
        CliErrorCode.ProfileNotFound,
        `profile ${this.profile.name} holds no device yet: run \`parley register\` or \`parley link\` first (or pick one with --profile)`,
      );
    }
    const store = await this.#openStore(false);
    const client = await ParleyClient.open(this.clientOptions(store));
    this.#track(client);
    return client;
  }

  /**
   * The store for a device being registered or linked: created when new, refused when it holds a
   * device already. If the command ends before a device is stored, a store created here is
   * deleted again, so that a failed attempt leaves no half-made profile behind.
   */
  async newDeviceStore(): Promise<KeyValueStore> {
    const created = !this.profile.exists();
    const store = await this.#openStore(created);
    if (await ParleyClient.isRegistered(store)) {
      throw new CliError(
        CliErrorCode.ProfileInUse,
        `profile ${this.profile.name} already holds a device (see \`parley whoami\`); choose another with --profile <name>`,
      );
    }
    this.#closers.push(async () => {
      const registered = await ParleyClient.isRegistered(store).catch(() => true);
      await store.close();
      if (created && !registered) await this.profile.remove();
    });
    return store;
  }

  clientOptions(store: KeyValueStore): ClientOptions {
    return nodeClientOptions(store, this.#env);
  }

  /** Starts tracking a client made by register or link, as openClient does for an existing one. */
  adopt(client: ParleyClient): ParleyClient {
    this.#track(client);
    return client;
  }

  /** `promise`, unless the command is stopped first (interrupt, device removed): then that error. */
  until<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#stopped]);
  }

  /** Ctrl-C (or SIGTERM) calls `handler` instead of stopping the command; a second one exits. */
  onInterrupt(handler: () => void): void {
    this.#onInterrupt = handler;
  }

  /** Ends every until() with `error`. */
  stop(error: unknown): void {
    this.#stop(error);
  }

  async run(body: (command: ClientCommand) => Promise<void>): Promise<number> {
    let status = 0;
    const interrupt = (signal: string) => {
      if (this.#closing || this.#interrupted) process.exit(130);
      this.#interrupted = true;
      if (this.#onInterrupt) this.#onInterrupt();
      else this.stop(new CliError(CliErrorCode.Interrupted, `interrupted (${signal})`));
    };
    process.on("SIGINT", interrupt);
    process.on("SIGTERM", interrupt);
    try {
      await this.until(body(this));
    } catch (error) {
      status = exitStatusOf(error);
      await this.out.error(error, this.debug);
    }
    await this.close();
    await this.out.flush();
    return status;
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const close of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        if (this.debug) await this.out.error(error, true);
      }
    }
    this.terminal.close();
  }

  async #openStore(creating: boolean): Promise<KeyValueStore> {
    const passphrase = await readPassphrase({ env: this.#env, terminal: this.terminal, ...(this.#flags.passphraseFile ? { file: this.#flags.passphraseFile } : {}) }, this.profile.name, creating);
    const store = await this.profile.openStore(passphrase);
    if (!creating) this.#closers.push(() => store.close());
    return store;
  }

  #track(client: ParleyClient): void {
    let offline = false;
    client.events.on("connection", ({ state }) => {
      if (state === "waiting" && !offline) {
        offline = true;
        this.out.progress("Cannot reach the server; retrying in the background (Ctrl-C to stop)…");
      } else if (state === "open" && offline) {
        offline = false;
        this.out.progress("Connected.");
      }
    });
    client.events.on("device-removed", () => {
      this.stop(new ParleyError(SdkErrorCode.DeviceRemoved, "this device was removed from its account, or another copy of it connected"));
    });
    client.events.on("error", ({ error, during }) => {
      if (this.#closing) return;
      const { code, message } = describeError(error);
      this.out.warn(`${during}: ${message} [${code}]`);
    });
    this.#closers.push(async () => {
      await client.close();
      // Units of work run in the order they were asked for: this one resolves only after every
      // earlier one (a message being stored, a receipt queued) has committed, so the store is
      // not closed under them.
      await client.pendingCount().catch(() => 0);
    });
  }
}

/** Runs a client command's body with the global options of `command`, then exits the process. */
export async function runClientCommand(command: Command, body: (context: ClientCommand) => Promise<void>): Promise<never> {
  // A reader that went away (`parley inbox --json | head -1`) is not a failure of the command.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
  });
  // The Signal Protocol on node:crypto rather than WebCrypto: same bytes, faster (docs/adr/0008).
  useNodeCrypto();
  let status: number;
  try {
    const context = new ClientCommand(command.optsWithGlobals<GlobalFlags>());
    status = await context.run(body);
  } catch (error) {
    // Only reached when the options themselves are unusable (a bad profile name).
    await new Output(command.optsWithGlobals<GlobalFlags>().json === true).error(error, process.env["PARLEY_DEBUG"] === "1");
    status = exitStatusOf(error);
  }
  // Sockets closing and timers of closed clients need not keep the process alive.
  process.exit(status);
}
