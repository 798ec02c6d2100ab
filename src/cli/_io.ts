/**
 * The CLI's contact with the process: arguments, terminal, output, exit, child scripts. Like
 * scripts/_cli.ts for the scripts, this entry point keeps it in one file; `node:process`
 * exists under Deno and Node alike, so the file serves both runtimes.
 */
import process from "node:process";
import { runtimeName } from "../runtime/detect.ts";

/** `argv` as commander expects it: [runtime, script, ...arguments]. */
export function processArgv(): string[] {
  return [...process.argv];
}

/** True when stderr is a terminal (progress bars), false when piped or in CI. */
export function stderrIsTerminal(): boolean {
  return Boolean(process.stderr.isTTY);
}

/** Writes text to stdout as is (no newline added). */
export function writeOut(text: string): void {
  process.stdout.write(text);
}

/** Writes text to stderr as is (no newline added). */
export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** Sets an environment variable for what this process loads next (serve's --port). */
export function setEnv(name: string, value: string): void {
  process.env[name] = value;
}

/** Ends the process with `code` once stdout and stderr are flushed. */
export function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/**
 * Runs a TypeScript script of this repository in a child process of the same runtime (tsx's
 * loader under Node, `deno run` under Deno), handing each output line to `onLine`. Resolves
 * with the child's exit code.
 */
export async function runScript(
  script: string,
  args: string[],
  onLine: (line: string, stream: "stdout" | "stderr") => void,
): Promise<number> {
  const { spawn } = await import("node:child_process");
  const isDeno = runtimeName === "deno";
  const argv = isDeno
    ? ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-net", script, ...args]
    : [...process.execArgv, script, ...args];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  const relay = (stream: "stdout" | "stderr") => {
    let rest = "";
    child[stream]!.on("data", (chunk: Buffer) => {
      const lines = (rest + String(chunk)).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) onLine(l, stream);
    });
    child[stream]!.on("end", () => rest && onLine(rest, stream));
  };
  relay("stdout");
  relay("stderr");
  return await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? 1));
  });
}
