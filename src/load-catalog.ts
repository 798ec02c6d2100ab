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
  const files = await loadPlatformFiles([builtinPlatformsDir, ...config.platformDirs]);
  const catalog = createCatalog(files.map((f) => toPlatform(f.file, f.platform, config.env)));
  const plugins = await loadPlugins([builtinPluginsDir, ...config.pluginDirs]);
  return { catalog, plugins };
}
