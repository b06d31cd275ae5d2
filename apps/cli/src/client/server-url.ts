import { CliError, CliErrorCode } from "./cli-error.js";

/** `host:port` or a URL, as the http(s) base URL the SDK takes (no trailing slash). */
export function serverUrl(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(CliErrorCode.Usage, `not a server address: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(CliErrorCode.Usage, `the server address must be http or https: ${text}`);
  return url.toString().replace(/\/$/, "");
}
