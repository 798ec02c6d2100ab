import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadCatalogAndPlugins } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";

/** The repository root. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a script of scripts/ under Node (tsx) and answers its exit code and output. */
export function runScript(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCommand(
    process.execPath,
    ["--import", "tsx", join(root, "scripts", script), ...args],
    env,
  );
}

/** Runs a command from the repository root. */
export function runCommand(
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "fhir-gw-catalog-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The real app over the shipped catalog (plus extra folders), loaded as at start-up, with
 * every log line captured.
 */
export async function shippedApp(env: Record<string, string> = {}) {
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: "http://gateway.test",
    FHIR_GATEWAY_STORE: "memory",
    ...env,
  });
  const lines: string[] = [];
  const log = createLogger("debug", (line) => lines.push(line));
  const { catalog, plugins } = await loadCatalogAndPlugins(config);
  const { app } = createApp({ config, catalog, plugins, log, runtime: "test" });
  return { app, catalog, lines };
}
