// The IP rules in effect: the lists from the configuration plus those of an optional rules file,
// which is re-read when it changes (polled) and on request (SIGHUP), without a restart. A file that
// fails to parse on reload leaves the previous rules in force; at start it is an error.
import { readFileSync, unwatchFile, watchFile, type Stats } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseIpRules, type IpRules } from "./ip-rules.js";

export interface IpRulesSourceOptions {
  /** Lists from the configuration; always in force. */
  readonly fixed: IpRules;
  /** A rules file (see parseIpRules); none when empty or absent. */
  readonly file?: string;
  /** How often the file is checked for changes (ms); 0 turns the polling off (SIGHUP still reloads). */
  readonly pollIntervalMs?: number;
  /** After each successful reload, with the rules now in force. */
  readonly onReload?: (rules: IpRules) => void;
  /** A reload that failed; the previous rules stay in force. */
  readonly onReloadError?: (error: unknown) => void;
}

export class IpRulesSource {
  #rules: IpRules;
  #reloading: Promise<IpRules> | undefined;
  #again = false;
  readonly #listener = (current: Stats, previous: Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) void this.reload().catch(() => undefined);
  };

  /** Reads the file once, synchronously: a server must not start with rules it could not read. */
  constructor(private readonly options: IpRulesSourceOptions) {
    this.#rules = options.file ? options.fixed.concat(parseIpRules(readFileSync(options.file, "utf8"))) : options.fixed;
    if (options.file && (options.pollIntervalMs ?? 0) > 0) {
      watchFile(options.file, { interval: options.pollIntervalMs, persistent: false }, this.#listener);
    }
  }

  get rules(): IpRules {
    return this.#rules;
  }

  /**
   * Re-reads the rules file; resolves with the rules in force afterwards, rejects (keeping the old
   * rules) when the file cannot be read or parsed. Concurrent calls share one read, and a call made
   * during a read causes one more read after it, so the last change is never missed.
   */
  reload(): Promise<IpRules> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = this.#read().finally(() => {
      this.#reloading = undefined;
      if (this.#again) {
        this.#again = false;
        void this.reload().catch(() => undefined);
      }
    });
    return this.#reloading;
  }

  close(): void {
    if (this.options.file) unwatchFile(this.options.file, this.#listener);
  }

  async #read(): Promise<IpRules> {
    const file = this.options.file;
    if (!file) return this.#rules;
    try {
      this.#rules = this.options.fixed.concat(parseIpRules(await readFile(file, "utf8")));
    } catch (error) {
      this.options.onReloadError?.(error);
      throw error;
    }
    this.options.onReload?.(this.#rules);
    return this.#rules;
  }
}
