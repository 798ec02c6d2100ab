import { CliError, exitCodes } from "./exit-codes.ts";

/** A positive integer option value, or a usage error naming the flag. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new CliError(exitCodes.usage, `${flag} must be a positive whole number, not "${value}".`);
  }
  return n;
}
