/**
 * Exit codes of `fhir-gateway`, one meaning each, so scripts and CI can branch on them.
 * Documented in the README (Command line).
 */
export const exitCodes = {
  /** Done; every check passed. */
  ok: 0,
  /** The command ran and found problems (validate, verify --strict, doctor). */
  problems: 1,
  /** Bad usage: unknown command or flag, missing or extra argument, bad value. */
  usage: 2,
  /** The settings (environment) are invalid; the message names each variable. */
  config: 3,
  /** A file could not be read or written, or already exists. */
  io: 4,
  /** The command exists but is not available yet in this build. */
  unavailable: 5,
} as const;

/** One of the exit codes above. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** An error a command ends with: a message for stderr and the exit code that says why. */
export class CliError extends Error {
  override name = "CliError";
  constructor(readonly code: ExitCode, message: string) {
    super(message);
  }
}
