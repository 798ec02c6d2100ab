import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { type FhirPeer, startFhirPeer } from "../peers/fhir-server.ts";
import { createHttpClient } from "../peers/http-client.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";
import { openPid, peerCatalog, smartPid } from "../mcp/instances-world.ts";

export { openPid, smartPid };
export const publicUrl = "http://gateway.test";

/** One request the gateway sent upstream. */
export interface UpstreamCall {
  method: string;
  url: string;
}

/**
 * The gateway under fuzzing (`app.request()`, no socket) in front of the real peers: the
 * Medplum FHIR engine (open, and a second one checking the SMART peer's tokens) and the
 * oidc-provider SMART server. A browser session is logged in, so real tokens are in play and
 * the fuzzer can check none of them ever comes back.
 */
export interface FuzzWorld {
  app: Hono;
  /** Every upstream request, in order (the wrapped fetch). */
  upstream: UpstreamCall[];
  /** The gateway's log lines. */
  log: string[];
  /** The logged-in browser's Cookie header. */
  cookie: string;
  /** Strings that must never appear in any answer: tokens, and the peers' host:port. */
  secrets: () => string[];
  /** Every token issued or sent upstream so far. */
  tokens: () => string[];
  /** The FHIR peers' host:port (the upstream addresses). */
  upstreamHosts: string[];
  fhir: FhirPeer;
  openFhir: FhirPeer;
  smart: SmartPeer;
  close(): Promise<void>;
}

/** Starts the peers and the gateway, and logs a browser session in to the SMART platform. */
export async function startFuzzWorld(): Promise<FuzzWorld> {
  const smart = await startSmartPeer({
    clients: [{ client_id: "gateway-test", redirect_uris: [`${publicUrl}/auth/callback`] }],
  });
  const fhir = await startFhirPeer({ auth: smart.fhirAuth });
  smart.setAudience(fhir.baseUrl);
  const openFhir = await startFhirPeer();
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: publicUrl,
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    FHIR_GATEWAY_PLATFORM_SMART_TEST_CLIENT_ID: "gateway-test",
    FHIR_GATEWAY_AUDIT_STDOUT: "false",
    // Open mode (per-session logins), as a local gateway runs; identity has its own tests.
    FHIR_GATEWAY_AUTH_MODE: "open",
    // Thousands of requests from one address in seconds: the rate limits have their own tests.
    FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "10000000",
    FHIR_GATEWAY_RATE_LIMIT_SESSION: "10000000",
    FHIR_GATEWAY_RATE_LIMIT_LOGIN: "10000000",
    FHIR_GATEWAY_RATE_LIMIT_CALLBACK: "10000000",
    FHIR_GATEWAY_RATE_LIMIT_CONFIRM: "10000000",
    FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT: "100000",
    FHIR_GATEWAY_MCP_MAX_CONCURRENT_PER_CLIENT: "1000",
    FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS: "10000",
  });
  const catalog = peerCatalog({ smart, fhir, openFhir }, config.env);
  const upstream: UpstreamCall[] = [];
  const tokens = new Set<string>();
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    upstream.push({ method: request.method, url: request.url });
    const bearer = /^Bearer\s+(\S+)/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (bearer) tokens.add(bearer);
    const response = await fetch(request);
    if (request.url.startsWith(smart.issuer) && response.ok) {
      // Token endpoint answers: remember every token issued, to look for it in answers.
      const text = await response.clone().text().catch(() => "");
      for (const m of text.matchAll(/"(?:access|refresh|id)_token"\s*:\s*"([^"]+)"/g)) {
        tokens.add(m[1]!);
      }
    }
    return response;
  };
  const log: string[] = [];
  const { app, close } = createApp({
    config,
    catalog,
    plugins: await loadPlugins([builtinPluginsDir]),
    log: createLogger("debug", (line) => log.push(line)),
    vault: createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine())),
    fetch: recording,
    runtime: "test",
    storeName: "memory",
  });

  // A browser logs in: the gateway's own URLs go to app.request(), the SMART peer's are fetched.
  const browser = createHttpClient((input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    return url.startsWith(publicUrl)
      ? Promise.resolve(app.request(url, init as RequestInit))
      : fetch(input, init);
  });
  const { response } = await browser.follow(`${publicUrl}/auth/${smartPid}/login`);
  const page = (await response?.text()) ?? "";
  if (response?.status !== 200) throw new Error(`login failed (${response?.status}): ${page}`);
  const cookie = browser.jar.header(new URL(publicUrl));
  if (!cookie) throw new Error("the login left no session cookie");
  const upstreamHosts = [new URL(fhir.baseUrl).host, new URL(openFhir.baseUrl).host];
  return {
    app,
    upstream,
    log,
    cookie,
    secrets: () => [...tokens, ...upstreamHosts],
    tokens: () => [...tokens],
    upstreamHosts,
    fhir,
    openFhir,
    smart,
    async close() {
      await close();
      await fhir.close();
      await openFhir.close();
      await smart.close();
    },
  };
}
