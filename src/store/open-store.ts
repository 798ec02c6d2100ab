import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { absolutePath, joinPath, makeDir } from "../runtime/fs.ts";
import { openKvStore } from "./kv-store.ts";
import { loadMasterKeys } from "./master-keys.ts";
import { createMemoryStore } from "./memory-store.ts";
import type { KeyValueStore, Vault } from "./types.ts";
import { createVault } from "./vault.ts";

/** Name of the Deno KV file inside the data directory. */
export const kvFileName = "gateway.kv";

/** The settings openStore reads. */
export type StoreConfig = Pick<
  Config,
  "store" | "redisUrl" | "dataDir" | "masterKey" | "production"
>;

/**
 * Opens the session store chosen by `config.store` (FHIR_GATEWAY_STORE; Redis when
 * FHIR_GATEWAY_REDIS_URL is set, else Deno KV in `<dataDir>/gateway.kv`) and the vault over
 * it. Loads the master keys first, so a missing key in production fails before anything opens.
 * Close `store` on shutdown.
 */
export async function openStore(
  config: StoreConfig,
  log: Logger,
): Promise<{ store: KeyValueStore; vault: Vault }> {
  const keyring = await loadMasterKeys(config, log);
  const store = await openBackend(config, log);
  log.info("session store opened", {
    store: store.name,
    kids: keyring.keys.map((k) => k.id),
  });
  return { store, vault: createVault(store, keyring) };
}

async function openBackend(config: StoreConfig, log: Logger): Promise<KeyValueStore> {
  switch (config.store) {
    case "redis": {
      // Loaded only for Redis: the client is 5-15 MB of memory an instance on KV never uses.
      const { openRedisStore } = await import("./redis-store.ts");
      // config.ts guarantees the URL when the store is "redis".
      return await openRedisStore(config.redisUrl ?? "", { log });
    }
    case "memory":
      log.warn("the memory store keeps sessions in this process only; they end on restart");
      return createMemoryStore();
    case "kv": {
      const dir = await absolutePath(config.dataDir);
      await makeDir(dir);
      return await openKvStore(joinPath(dir, kvFileName));
    }
  }
}
