/**
 * Small helpers shared by the command-line scripts: arguments and exit, under Deno or Node.
 * Scripts may touch the runtime; this keeps that in one place.
 */
import { deno } from "../src/runtime/detect.ts";
import { exitProcess } from "../src/runtime/env.ts";

/** The command-line arguments after the script name. */
export async function scriptArgs(): Promise<string[]> {
  const d = (globalThis as { Deno?: { args: string[] } }).Deno;
  if (deno && d) return [...d.args];
  const process = (await import("node:process")).default;
  return process.argv.slice(2);
}

/** Splits `--name=value` / `--name value` options from positional arguments. */
export function parseArgs(
  args: string[],
): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    if (eq > 0) options[a.slice(2, eq)] = a.slice(eq + 1);
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith("--")) {
      options[a.slice(2)] = args[++i]!;
    } else options[a.slice(2)] = true;
  }
  return { positional, options };
}

/** Prints `message` on stderr and ends the process with status 1. */
export async function fail(message: string): Promise<never> {
  console.error(message);
  return await exitProcess(1);
}

/** Ends the process with `code`. */
export { exitProcess };
