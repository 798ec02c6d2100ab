import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadCatalogAndPlugins } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { freePort } from "../peers/fhir-server.ts";

/** A gateway over the built-in catalog (no upstream is called) on a real loopback socket. */
export interface CatalogGateway {
  url: string;
  app: ReturnType<typeof createApp>["app"];
  close(): Promise<void>;
}

/** Starts a gateway with the built-in catalog, a memory store and no upstream peers. */
export async function startCatalogGateway(): Promise<CatalogGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig({ FHIR_GATEWAY_PUBLIC_URL: url, FHIR_GATEWAY_STORE: "memory" });
  const log = createLogger("error", () => {});
  const { catalog, plugins } = await loadCatalogAndPlugins(config);
  const store = createMemoryStore({});
  const vault = createVault(store, parseMasterKeys(generateMasterKeyLine()));
  const built = createApp({
    config,
    catalog,
    plugins,
    log,
    vault,
    runtime: "test",
    storeName: store.name,
  });
  const server = await serve(built.app.fetch, { hostname: "127.0.0.1", port });
  return {
    url,
    app: built.app,
    async close() {
      await built.close();
      await server.close();
      await store.close();
    },
  };
}
