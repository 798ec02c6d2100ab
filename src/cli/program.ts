import { Command, CommanderError } from "commander";
import { version } from "../version.ts";
import { writeErr, writeOut } from "./_io.ts";
import { apiKeysCommandTree } from "./commands/api-keys.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { keysCommand } from "./commands/keys.ts";
import { platformsCommand } from "./commands/platforms.ts";
import { serveCommand } from "./commands/serve.ts";
import { tenantsCommand } from "./commands/tenants.ts";
import { CliError, exitCodes } from "./exit-codes.ts";

const exitCodeHelp = `
Exit codes:
  0  done; every check passed
  1  problems found (validate, verify --strict, doctor) or the command failed
  2  usage: unknown command or flag, missing or extra argument, bad value
  3  invalid settings (environment); the message names each variable
  4  a file could not be read or written, or already exists
  5  not available yet in this build

Settings come from the environment, as for the server (FHIR_GATEWAY_*).`;

/** The `fhir-gateway` command tree. Unknown commands, flags and extra arguments are errors. */
export function createProgram(): Command {
  const program = new Command("fhir-gateway")
    .description("One FHIR gateway in front of many EHRs and payers: run it, check it, manage it.")
    .version(version, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut, writeErr })
    .showHelpAfterError("(add --help for usage)")
    .allowExcessArguments(false)
    .addHelpText("after", exitCodeHelp);
  serveCommand(program);
  platformsCommand(program);
  tenantsCommand(program);
  keysCommand(program);
  apiKeysCommandTree(program);
  doctorCommand(program);
  for (const group of program.commands) {
    group.exitOverride().allowExcessArguments(false);
    for (const sub of group.commands) sub.exitOverride().allowExcessArguments(false);
  }
  return program;
}

/** Runs the CLI with `argv` ([runtime, script, ...args]) and answers the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return exitCodes.ok;
  } catch (err) {
    if (err instanceof CliError) {
      if (err.message) writeErr(`${err.message}\n`);
      return err.code;
    }
    if (err instanceof CommanderError) {
      const shown = ["commander.helpDisplayed", "commander.version", "commander.help"];
      if (shown.includes(err.code)) return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
      return exitCodes.usage;
    }
    writeErr(`${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodes.problems;
  }
}
