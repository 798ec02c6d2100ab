import { deno } from "./detect.ts";

/** A snapshot of the process environment, read once by config.ts. */
export async function readEnv(): Promise<Record<string, string | undefined>> {
  if (deno) return deno.env.toObject();
  const process = (await import("node:process")).default;
  return { ...process.env };
}

/** Ends the process with a message on stderr; used only for start-up failures. */
export async function exitWithError(message: string): Promise<never> {
  console.error(message);
  return await exitProcess(1);
}

/** Ends the process with `code`. */
export async function exitProcess(code: number): Promise<never> {
  if (deno) deno.exit(code);
  const process = (await import("node:process")).default;
  return process.exit(code);
}

/** Runs `handler` once on SIGINT or SIGTERM. */
export async function onShutdownSignal(handler: () => void): Promise<void> {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    handler();
  };
  if (deno) {
    deno.addSignalListener("SIGINT", once);
    deno.addSignalListener("SIGTERM", once);
    return;
  }
  const process = (await import("node:process")).default;
  process.once("SIGINT", once);
  process.once("SIGTERM", once);
}
