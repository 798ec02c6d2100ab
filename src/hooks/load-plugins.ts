import { absolutePath, fileUrl, joinPath, listDir } from "../runtime/fs.ts";
import type { Plugin } from "./define-plugin.ts";

/** A plugin file that failed to load; start-up stops with its message. */
export class PluginError extends Error {
  override name = "PluginError";
}

const hookNames = [
  "authorizeParams",
  "rewriteScopes",
  "resolveUrl",
  "tokenResponse",
  "beforeRequest",
  "afterResponse",
] as const;

/**
 * Imports every plugin module (`*.ts`, not `*.test.ts` nor `_*.ts`) of the folders. Each must
 * default-export a plugin made by definePlugin; anything else stops start-up naming the file.
 */
export async function loadPlugins(dirs: string[]): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const entries = await listDir(await absolutePath(dir));
    if (!entries) {
      problems.push(`${dir}: folder not found`);
      continue;
    }
    const files = entries
      .filter((e) => e.isFile && /\.(ts|js|mjs)$/.test(e.name))
      .filter((e) => !e.name.startsWith("_") && !/\.test\.|\.d\.ts$/.test(e.name))
      .map((e) => e.name)
      .sort();
    for (const name of files) {
      const file = joinPath(dir, name);
      try {
        const mod = await import(fileUrl(await absolutePath(file)));
        const problem = checkPlugin(mod.default);
        if (problem) problems.push(`${file}: ${problem}`);
        else if (seen.has(mod.default.name)) {
          problems.push(
            `${file}: plugin name "${mod.default.name}" is used by ${
              seen.get(mod.default.name)
            } too`,
          );
        } else {
          seen.set(mod.default.name, file);
          plugins.push(mod.default);
        }
      } catch (err) {
        problems.push(`${file}: failed to load (${(err as Error).message})`);
      }
    }
  }
  if (problems.length) {
    throw new PluginError(`Invalid plugins:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  return plugins;
}

/** Returns what is wrong with a default export, or undefined when it is a plugin. */
export function checkPlugin(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return "must default-export definePlugin({...})";
  const p = value as Record<string, unknown>;
  if (typeof p.name !== "string" || !p.name) return "name: must be a non-empty string";
  if (
    p.platforms !== "*" &&
    !(Array.isArray(p.platforms) && p.platforms.every((s) => typeof s === "string"))
  ) {
    return 'platforms: must be "*" or a list of platform ids, aliases, globs or type:<type>';
  }
  if (p.order !== undefined && typeof p.order !== "number") return "order: must be a number";
  for (const h of hookNames) {
    if (p[h] !== undefined && typeof p[h] !== "function") return `${h}: must be a function`;
  }
  if (!hookNames.some((h) => typeof p[h] === "function")) return "defines no hook";
  return undefined;
}
