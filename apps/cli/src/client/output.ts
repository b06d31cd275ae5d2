// What a client command prints. Results go to stdout: lines of text for people, or with --json
// machine-readable output (one JSON object per result; a stream prints one object per line).
// Progress, warnings and errors go to stderr in both modes, so stdout stays parseable.
import { describeError } from "./cli-error.js";

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Prints `text` in text mode, or `value` as one JSON line in --json mode. Resolves once written. */
  result(text: string, value: unknown): Promise<void> {
    return this.json ? this.jsonLine(value) : this.line(text);
  }

  /** A line of text on stdout (text mode only). */
  line(text: string): Promise<void> {
    return this.json ? Promise.resolve() : write(this.stdout, `${text}\n`);
  }

  /** One JSON value on its own line on stdout (--json mode only). */
  jsonLine(value: unknown): Promise<void> {
    return this.json ? write(this.stdout, `${JSON.stringify(value)}\n`) : Promise.resolve();
  }

  /** A progress line on stderr: what a slow step is doing. */
  progress(text: string): void {
    void write(this.stderr, `${text}\n`);
  }

  warn(text: string): void {
    void write(this.stderr, `parley: warning: ${text}\n`);
  }

  /** The error as `parley: message [CODE]`, or in --json mode `{"error":{code,message}}`, on stderr. */
  error(error: unknown, debug: boolean): Promise<void> {
    const { code, message } = describeError(error);
    const detail = debug && error instanceof Error && error.stack ? `${error.stack}\n` : "";
    const text = this.json ? `${JSON.stringify({ error: { code, message } })}\n` : `parley: ${message} [${code}]\n`;
    return write(this.stderr, text + detail);
  }

  /** Resolves when everything written so far has been handed to the operating system. */
  async flush(): Promise<void> {
    await Promise.all([write(this.stdout, ""), write(this.stderr, "")]);
  }
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    // An error (a closed pipe) is not worth failing the command for; the callback still runs.
    stream.write(text, () => resolve());
  });
}
