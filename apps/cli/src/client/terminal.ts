// Reading from the user: lines from stdin (a terminal or a pipe alike, so scripts and tests can
// feed a command), and a passphrase typed on a terminal without echo.
import { createInterface, type Interface } from "node:readline";
import { CliError, CliErrorCode } from "./cli-error.js";

/**
 * Lines of stdin in order, one reader per process (created on first use). next() resolves with
 * undefined at the end of input; lines that arrive before anyone asks are kept.
 */
export class Terminal {
  #lines: Interface | undefined;
  readonly #buffered: string[] = [];
  readonly #waiting: Array<(line: string | undefined) => void> = [];
  #ended = false;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly prompts: NodeJS.WriteStream = process.stderr,
  ) {}

  get interactive(): boolean {
    return this.input.isTTY === true;
  }

  /** Shows `prompt` on stderr (when given) and resolves with the next line, or undefined at the end. */
  async readLine(prompt?: string): Promise<string | undefined> {
    const lines = this.#start();
    if (prompt !== undefined) {
      if (this.interactive) {
        lines.setPrompt(prompt);
        lines.prompt();
      } else {
        this.prompts.write(prompt);
      }
    }
    const line = await this.#next();
    // Piped input is not echoed: end the prompt's line so that what follows starts on its own.
    if (prompt !== undefined && !this.interactive) this.prompts.write("\n");
    return line;
  }

  #next(): Promise<string | undefined> {
    const line = this.#buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Shows the prompt again, keeping what the user has typed so far (after printing above it). */
  refreshPrompt(): void {
    this.#lines?.prompt(true);
  }

  /**
   * Reads a line without echo from a terminal (raw mode). Ctrl-C rejects with INTERRUPTED; Ctrl-D
   * on an empty line rejects with PASSPHRASE_REQUIRED.
   */
  readHidden(prompt: string): Promise<string> {
    const input = this.input;
    if (!input.isTTY) return Promise.reject(new CliError(CliErrorCode.Usage, "stdin is not a terminal"));
    this.prompts.write(prompt);
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    return new Promise<string>((resolve, reject) => {
      let value = "";
      const finish = (outcome: () => void) => {
        input.off("data", onData);
        input.setRawMode(wasRaw);
        if (this.#lines === undefined) input.pause();
        this.prompts.write("\n");
        outcome();
      };
      const onData = (chunk: Buffer | string) => {
        for (const ch of chunk.toString()) {
          if (ch === "\r" || ch === "\n") return finish(() => resolve(value));
          if (ch === "\u0003") return finish(() => reject(new CliError(CliErrorCode.Interrupted, "interrupted")));
          if (ch === "\u0004" && value === "") return finish(() => reject(new CliError(CliErrorCode.PassphraseRequired, "no passphrase given")));
          if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
          else if (ch >= " ") value += ch;
        }
      };
      input.on("data", onData);
    });
  }

  /** Stops reading stdin, so that the process can exit. */
  close(): void {
    this.#lines?.close();
  }

  #start(): Interface {
    if (this.#lines !== undefined) return this.#lines;
    const interactive = this.interactive;
    const lines = createInterface({ input: this.input, ...(interactive ? { output: this.prompts, terminal: true } : { terminal: false }) });
    this.#lines = lines;
    lines.on("line", (line) => {
      const waiter = this.#waiting.shift();
      if (waiter) waiter(line);
      else this.#buffered.push(line);
    });
    // On a terminal readline takes Ctrl-C itself; hand it on to the process's own handler.
    lines.on("SIGINT", () => process.kill(process.pid, "SIGINT"));
    lines.on("close", () => {
      this.#ended = true;
      for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    });
    return lines;
  }
}
