import { type Catalog, createCatalog } from "./catalog/catalog.ts";
import { loadPlatformFiles, toPlatform } from "./catalog/load.ts";
import type { Config } from "./config.ts";
import type { Plugin } from "./hooks/define-plugin.ts";
import { loadPlugins } from "./hooks/load-plugins.ts";

/** The folders shipped with the gateway, next to src/. */
export const builtinPlatformsDir = decodeURIComponent(
  new URL("../platforms", import.meta.url).pathname,
);
export const builtinPluginsDir = decodeURIComponent(
  new URL("../plugins", import.meta.url).pathname,
);

/** Loads platform files and plugins from the built-in folders plus the configured ones. */
export async function loadCatalogAndPlugins(
  config: Pick<Config, "platformDirs" | "pluginDirs" | "env">,
): Promise<{ catalog: Catalog; plugins: Plugin[] }> {
  const dirs = [builtinPlatformsDir, ...config.platformDirs];
  const files = await loadPlatformFiles(dirs);
  const catalog = createCatalog(
    files.map((f) => toPlatform(displayPath(f.file, dirs), f.platform, config.env)),
  );
  const plugins = await loadPlugins([builtinPluginsDir, ...config.pluginDirs]);
  return { catalog, plugins };
}

/**
 * How a platform file is named in messages callers may see: `platforms/epic.json` for shipped
 * files, `<folder name>/<file>` for an operator's folder, never the server's absolute path.
 */
export function displayPath(file: string, dirs: string[]): string {
  for (const dir of dirs) {
    const prefix = dir.replace(/\/+$/, "") + "/";
    if (!file.startsWith(prefix)) continue;
    const folder = dir === builtinPlatformsDir ? "platforms" : prefix.split("/").at(-2) || ".";
    return `${folder}/${file.slice(prefix.length)}`;
  }
  return file.split("/").slice(-2).join("/");
}
