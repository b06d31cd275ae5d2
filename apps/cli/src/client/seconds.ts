import { CliError, CliErrorCode } from "./cli-error.js";

/** A duration option given in seconds (fractions allowed), as milliseconds. */
export function seconds(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new CliError(CliErrorCode.Usage, `${option} takes a number of seconds greater than 0`);
  return Math.round(value * 1000);
}
