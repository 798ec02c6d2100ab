import process from "node:process";

// node:process is the same object under Node and Deno 2: no runtime branch here.

/** A snapshot of the process environment, read once by config.ts. */
export function readEnv(): Promise<Record<string, string | undefined>> {
  return Promise.resolve({ ...process.env });
}

/** Ends the process with a message on stderr; used only for start-up failures. */
export async function exitWithError(message: string): Promise<never> {
  console.error(message);
  return await exitProcess(1);
}

/** Ends the process with `code`. */
export function exitProcess(code: number): Promise<never> {
  return process.exit(code);
}

/** Runs `handler` once on SIGINT or SIGTERM. */
export function onShutdownSignal(handler: () => void): Promise<void> {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    handler();
  };
  process.once("SIGINT", once);
  process.once("SIGTERM", once);
  return Promise.resolve();
}
