import { createApp } from "../../src/app.ts";
import { type Catalog, createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { type RunningServer, serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { openRedisStore } from "../../src/store/redis-store.ts";
import type { KeyValueStore } from "../../src/store/types.ts";
import { createVault } from "../../src/store/vault.ts";
import { type FhirPeer, freePort, startFhirPeer } from "../peers/fhir-server.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";

/** The SMART platform (logins) and the open one (no login) every instance serves. */
export const smartPid = "smart-test";
export const openPid = "medplum";

export { initializeMessage, mcpHeaders } from "./_messages.ts";

/** The SMART platform (logging in at `smart`, served by `fhir`) and the open one (`openFhir`). */
export function peerCatalog(
  peers: { smart: SmartPeer; fhir: FhirPeer; openFhir: FhirPeer },
  env: Readonly<Record<string, string | undefined>>,
): Catalog {
  return createCatalog([
    toPlatform(
      `platforms/${smartPid}.json`,
      platformFileSchema.parse({
        id: smartPid,
        name: "SMART test platform",
        type: "sandbox",
        fhir_base_url: peers.fhir.baseUrl,
        oauth: { discovery_url: `${peers.smart.issuer}/.well-known/smart-configuration` },
      }),
      env,
    ),
    toPlatform(
      `platforms/${openPid}.json`,
      platformFileSchema.parse({
        id: openPid,
        name: "Open Medplum",
        type: "sandbox",
        fhir_base_url: peers.openFhir.baseUrl,
      }),
      env,
    ),
  ]);
}

/** One gateway process's worth: its own app, its own Redis connection, its own socket. */
export interface Instance {
  url: string;
  store: KeyValueStore;
  log: string[];
  /** Requests this instance answered. */
  served: number;
}

/**
 * N gateway instances on one real redis-server, sharing only the store and the master key, as
 * behind a plain load balancer: `lb` sends each request to the next instance in turn and is
 * the public URL (confirm pages and the OAuth callback go through it too).
 */
export interface InstancesWorld {
  redis: RedisPeer;
  smart: SmartPeer;
  /** Checks the bearer tokens the SMART peer issues. */
  fhir: FhirPeer;
  /** Needs no login. */
  openFhir: FhirPeer;
  instances: Instance[];
  lb: string;
  close(): Promise<void>;
}

/** Starts the peers, `count` instances on one redis-server, and the round-robin balancer. */
export async function startInstances(count = 2): Promise<InstancesWorld> {
  const redis = await startRedisServer();
  const lbPort = await freePort();
  const lb = `http://127.0.0.1:${lbPort}`;
  const smart = await startSmartPeer({
    clients: [{ client_id: "gateway-test", redirect_uris: [`${lb}/auth/callback`] }],
  });
  const fhir = await startFhirPeer({ auth: smart.fhirAuth });
  smart.setAudience(fhir.baseUrl);
  const openFhir = await startFhirPeer();
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: lb,
    FHIR_GATEWAY_STORE: "redis",
    FHIR_GATEWAY_REDIS_URL: redis.url,
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    FHIR_GATEWAY_PLATFORM_SMART_TEST_CLIENT_ID: "gateway-test",
  });
  const catalog = peerCatalog({ smart, fhir, openFhir }, config.env);
  const plugins = await loadPlugins([builtinPluginsDir]);
  const keyring = parseMasterKeys(generateMasterKeyLine());
  const instances: Instance[] = [];
  const servers: RunningServer[] = [];
  const closers: Array<() => Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const log: string[] = [];
    const logger = createLogger("debug", (line) => log.push(line));
    const store = await openRedisStore(redis.url, { log: logger });
    const built = createApp({
      config,
      catalog,
      plugins,
      log: logger,
      vault: createVault(store, keyring),
      runtime: "test",
      storeName: store.name,
    });
    const server = await serve(built.app.fetch, { hostname: "127.0.0.1", port: 0 });
    const instance: Instance = { url: server.url, store, log, served: 0 };
    instances.push(instance);
    servers.push(server);
    closers.push(() => built.close());
  }
  let next = 0;
  const balancer = await serve(async (request) => {
    const target = instances[next++ % instances.length]!;
    target.served++;
    const url = new URL(request.url);
    const body = request.method === "GET" || request.method === "HEAD"
      ? undefined
      : await request.arrayBuffer();
    const headers = new Headers(request.headers);
    headers.delete("host");
    return await fetch(`${target.url}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body,
      redirect: "manual",
    });
  }, { hostname: "127.0.0.1", port: lbPort });
  return {
    redis,
    smart,
    fhir,
    openFhir,
    instances,
    lb,
    async close() {
      await balancer.close();
      for (const c of closers) await c();
      for (const s of servers) await s.close();
      for (const i of instances) await i.store.close();
      await fhir.close();
      await openFhir.close();
      await smart.close();
      await redis.stop();
    },
  };
}
