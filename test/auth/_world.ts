import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { createAuditLog } from "../../src/audit/audit-log.ts";
import type { SmartAuth } from "../../src/auth/types.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import type { Plugin } from "../../src/hooks/define-plugin.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemorySpace, createMemoryStore } from "../../src/store/memory-store.ts";
import type { KeyValueStore, Vault } from "../../src/store/types.ts";
import { createVault } from "../../src/store/vault.ts";
import { type FhirPeer, freePort, startFhirPeer } from "../peers/fhir-server.ts";
import {
  createHttpClient,
  type FollowOptions,
  type FollowResult,
  type HttpClient,
} from "../peers/http-client.ts";
import { type SmartPeer, type SmartPeerOptions, startSmartPeer } from "../peers/smart-server.ts";

/** The platform id every auth test logs in to. */
export const pid = "smart-test";
export const clientId = "gateway-test";
export const clientSecret = "s3cret-for-tests-only-0123456789";

/** One gateway in front of a real SMART server and a real FHIR engine that checks tokens. */
export interface AuthWorld {
  smart: SmartPeer;
  fhir: FhirPeer;
  /** The gateway's public URL (its own origin over a real socket). */
  gateway: string;
  vault: Vault;
  store: KeyValueStore;
  /** Every log line the gateway wrote. */
  logLines: string[];
  /** Every audit line the gateway wrote (JSON). */
  auditLines: string[];
  /** Every response the gateway sent to a test client: status, headers and body text. */
  responses: string[];
  /** POSTs to the token endpoint by grant type. */
  tokenGrants: string[];
  /** Every URL the gateway fetched (discovery, token endpoint, FHIR). */
  fetched: string[];
  /** The gateway's SMART module (the AuthService both faces call). */
  auth: SmartAuth;
  /** A second gateway instance sharing the store (entries, locks, pub/sub) and keys. */
  otherInstance(): Hono;
  /** Moves the gateway's clock forward. */
  advance(ms: number): void;
  /** The gateway's clock, in epoch milliseconds. */
  now(): number;
  /**
   * Moves the gateway's clock just past its session and bearer caches
   * (FHIR_GATEWAY_SESSION_CACHE_SECONDS), so what was written to the store behind its back
   * (as by another instance) is what it reads next.
   */
  lapseCaches(): void;
  /** Stops the gateway and its store, then starts both again on the same port and keys. */
  restart(): Promise<void>;
  /** A browser-like client with its own cookie jar, recording what the gateway answers. */
  client(): HttpClient;
  close(): Promise<void>;
}

/** Starts the peers and a gateway on a real socket; `confidential` adds a client secret. */
export async function startAuthWorld(
  options: {
    confidential?: boolean;
    post?: boolean;
    /** Plugins added to the built-in ones (e.g. a tokenResponse hook). */
    plugins?: Plugin[];
    /** The platform's `name` (default "SMART test platform"). */
    platformName?: string;
    /** Opens the gateway's store (default: memory); called again on restart(). */
    openStore?: (now: () => number) => Promise<KeyValueStore>;
    /** Options of the SMART peer beyond its clients (token lifetimes, quirks). */
    peer?: Omit<SmartPeerOptions, "clients">;
    /**
     * The platform file instead of the default (FHIR base and discovery_url from the peers);
     * `id` is always the test platform's.
     */
    platformFile?: (peers: { smart: SmartPeer; fhir: FhirPeer }) => Record<string, unknown>;
    /** Environment settings added to the gateway's (may name the peers' URLs). */
    env?: (peers: { smart: SmartPeer; fhir: FhirPeer }) => Record<string, string>;
  } = {},
): Promise<AuthWorld> {
  const port = await freePort();
  const gateway = `http://127.0.0.1:${port}`;
  const secret = options.confidential ? clientSecret : undefined;
  const method = options.post ? "client_secret_post" : undefined;
  const smart = await startSmartPeer({
    clients: [{
      client_id: clientId,
      client_secret: secret,
      redirect_uris: [`${gateway}/auth/callback`],
      token_endpoint_auth_method: method,
    }],
    ...options.peer,
  });
  const fhir = await startFhirPeer({ auth: smart.fhirAuth });
  smart.setAudience(fhir.baseUrl);

  const env: Record<string, string> = {
    FHIR_GATEWAY_PUBLIC_URL: gateway,
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    FHIR_GATEWAY_PLATFORM_SMART_TEST_CLIENT_ID: clientId,
    ...(secret ? { FHIR_GATEWAY_PLATFORM_SMART_TEST_CLIENT_SECRET: secret } : {}),
    ...options.env?.({ smart, fhir }),
  };
  const config = parseConfig(env);
  const logLines: string[] = [];
  const log = createLogger("debug", (line) => logLines.push(line));
  const platform = platformFileSchema.parse(
    options.platformFile ? { ...options.platformFile({ smart, fhir }), id: pid } : {
      id: pid,
      name: options.platformName ?? "SMART test platform",
      type: "sandbox",
      fhir_base_url: fhir.baseUrl,
      oauth: {
        discovery_url: `${smart.issuer}/.well-known/smart-configuration`,
        ...(method ? { token_endpoint_auth_methods: [method] } : {}),
      },
    },
  );
  const catalog = createCatalog([toPlatform(`platforms/${pid}.json`, platform, config.env)]);
  let offset = 0;
  const now = () => Date.now() + offset;
  const space = createMemorySpace();
  const keyring = parseMasterKeys(generateMasterKeyLine());
  const openStore = options.openStore ??
    ((clock: () => number) => Promise.resolve(createMemoryStore({ space, now: clock })));
  const store = await openStore(now);
  const vault = createVault(store, keyring);
  const tokenGrants: string[] = [];
  const fetched: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    fetched.push(url);
    if (url === smart.smartConfiguration.token_endpoint && init?.body instanceof URLSearchParams) {
      tokenGrants.push(init.body.get("grant_type") ?? "?");
    }
    return fetch(input, init);
  };
  const plugins = [...await loadPlugins([builtinPluginsDir]), ...options.plugins ?? []];
  const auditLines: string[] = [];
  const audit = createAuditLog({ sinks: [(line) => auditLines.push(line)] });
  const build = (v: Vault) => {
    const built = createApp({
      audit,
      config,
      catalog,
      plugins,
      log,
      vault: v,
      now,
      fetch: countingFetch,
      runtime: "test",
      storeName: v.store.name,
    });
    return { app: built.app, auth: built.smart! };
  };
  const first = build(vault);
  let server = await serve(first.app.fetch, { hostname: "127.0.0.1", port });
  const responses: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(gateway)) return response;
    const body = await response.text();
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    // What the gateway sent, not what was asked (a callback URL carries the code by design).
    responses.push(`${response.status}\n${headers}\n\n${body}`);
    const empty = [101, 204, 205, 304].includes(response.status);
    return new Response(empty ? null : body, {
      status: response.status,
      headers: response.headers,
    });
  };
  const world: AuthWorld = {
    smart,
    fhir,
    gateway,
    auditLines,
    vault,
    store,
    logLines,
    responses,
    tokenGrants,
    fetched,
    advance: (ms) => (offset += ms),
    now,
    lapseCaches: () => (offset += config.sessionCacheSeconds * 1000 + 1),
    auth: first.auth,
    otherInstance: () => build(createVault(createMemoryStore({ space, now }), keyring)).app,
    client: () => createHttpClient(recording),
    async restart() {
      await server.close();
      await world.store.close();
      world.store = await openStore(now);
      world.vault = createVault(world.store, keyring);
      const next = build(world.vault);
      world.auth = next.auth;
      server = await serve(next.app.fetch, { hostname: "127.0.0.1", port });
    },
    async close() {
      await server.close();
      await world.store.close();
      await fhir.close();
      await smart.close();
    },
  };
  return world;
}

/** Logs `http` in through the gateway; returns where the redirects ended and the page. */
export async function login(
  world: AuthWorld,
  http: HttpClient,
  query = "",
): Promise<{ url: string; status: number; html: string }> {
  const { url, response } = await http.follow(`${world.gateway}/auth/${pid}/login${query}`);
  const html = (await response?.text()) ?? "";
  return { url, status: response?.status ?? 0, html };
}

/** Logs `http` in and answers the vault key its tokens landed at. */
export async function loginKey(world: AuthWorld, http: HttpClient): Promise<string> {
  const before = new Set(await world.vault.list("tokens:"));
  const page = await login(world, http);
  if (page.status !== 200) throw new Error(`login answered ${page.status}: ${page.html}`);
  const added = (await world.vault.list("tokens:")).filter((k) => !before.has(k));
  if (added.length !== 1) throw new Error(`expected one new login, found ${added.length}`);
  return added[0]!;
}

/** The headers a browser sends when the gateway's own confirm page submits its form. */
export const sameOriginForm = (world: AuthWorld) => ({
  origin: world.gateway,
  "sec-fetch-site": "same-origin",
  "content-type": "application/x-www-form-urlencoded",
});

/**
 * Opens an agent-started login link (the confirm page) in `http`, checks the page shows
 * `userCode`, presses Continue (a same-origin POST) and follows the redirects from there.
 */
export async function confirmAgentLogin(
  world: AuthWorld,
  http: HttpClient,
  link: string,
  userCode: string,
  options: FollowOptions = {},
): Promise<FollowResult> {
  const page = await http.fetch(link);
  const html = await page.text();
  if (page.status !== 200 || !html.includes(`id="user-code">${userCode}<`)) {
    throw new Error(`confirm page (${page.status}) does not show ${userCode}: ${html}`);
  }
  const posted = await http.fetch(link, { method: "POST", headers: sameOriginForm(world) });
  const location = posted.headers.get("location");
  await posted.body?.cancel();
  if (posted.status !== 303 || !location) throw new Error(`confirm POST answered ${posted.status}`);
  const result = await http.follow(new URL(location, link), options);
  return { ...result, redirects: [location, ...result.redirects] };
}
