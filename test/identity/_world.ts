import { createApp } from "../../src/app.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { Vault } from "../../src/store/types.ts";
import { createVault } from "../../src/store/vault.ts";
import { type FhirPeer, freePort, startFhirPeer } from "../peers/fhir-server.ts";
import { createHttpClient, type HttpClient } from "../peers/http-client.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";
import { type OperatorIdp, startOperatorIdp } from "./_idp.ts";

/** The platform every identity test logs in to (a real SMART server and FHIR engine). */
export const pid = "smart-test";
/** Built-in accounts of the test gateway: name -> password. */
export const accounts = { alice: "alice-password-123", bob: "bob-password-456" };

/** A protected gateway on a real socket, its platform peers, and the operator's IdP. */
export interface IdentityWorld {
  gateway: string;
  vault: Vault;
  smart: SmartPeer;
  fhir: FhirPeer;
  idp?: OperatorIdp;
  logLines: string[];
  /** Moves the gateway's clock forward. */
  advance(ms: number): void;
  /** A browser-like client with its own cookie jar. */
  browser(): HttpClient;
  close(): Promise<void>;
}

/**
 * Starts the world: the SMART peer (oidc-provider) and FHIR peer (Medplum) for platform
 * logins, optionally the operator's OpenID provider for gateway sign-in, and the gateway in
 * protected mode with the built-in accounts of `accounts`.
 */
export async function startIdentityWorld(
  options: { idp?: boolean; env?: Record<string, string> } = {},
): Promise<IdentityWorld> {
  const port = await freePort();
  const gateway = `http://127.0.0.1:${port}`;
  const smart = await startSmartPeer({
    clients: [{ client_id: "gateway-test", redirect_uris: [`${gateway}/auth/callback`] }],
  });
  const fhir = await startFhirPeer({ auth: smart.fhirAuth });
  smart.setAudience(fhir.baseUrl);
  const idp = options.idp ? await startOperatorIdp(`${gateway}/signin/oidc/callback`) : undefined;
  const accountLines = await Promise.all(
    Object.entries(accounts).map(async ([n, p]) => `${n}:${await hashPassword(p, 10_000)}`),
  );
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: gateway,
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    FHIR_GATEWAY_AUTH_MODE: "protected",
    FHIR_GATEWAY_ACCOUNTS: accountLines.join(","),
    FHIR_GATEWAY_OAUTH_ALLOW_HTTP_CLIENT_IDS: "true",
    FHIR_GATEWAY_PLATFORM_SMART_TEST_CLIENT_ID: "gateway-test",
    ...(idp
      ? {
        FHIR_GATEWAY_OIDC_ISSUER: idp.issuer,
        FHIR_GATEWAY_OIDC_CLIENT_ID: idp.clientId,
        FHIR_GATEWAY_OIDC_CLIENT_SECRET: idp.clientSecret,
        FHIR_GATEWAY_OIDC_SCOPE: "openid email profile",
      }
      : {}),
    ...options.env,
  });
  const logLines: string[] = [];
  const log = createLogger("debug", (line) => logLines.push(line));
  const platform = platformFileSchema.parse({
    id: pid,
    name: "SMART test platform",
    type: "sandbox",
    fhir_base_url: fhir.baseUrl,
    oauth: { discovery_url: `${smart.issuer}/.well-known/smart-configuration` },
  });
  const catalog = createCatalog([toPlatform(`platforms/${pid}.json`, platform, config.env)]);
  let offset = 0;
  const now = () => Date.now() + offset;
  const vault = createVault(createMemoryStore({ now }), parseMasterKeys(generateMasterKeyLine()));
  const built = createApp({
    config,
    catalog,
    plugins: await loadPlugins([builtinPluginsDir]),
    log,
    vault,
    now,
    runtime: "test",
    storeName: "memory",
  });
  const server = await serve(built.app.fetch, { hostname: "127.0.0.1", port });
  return {
    gateway,
    vault,
    smart,
    fhir,
    idp,
    logLines,
    advance: (ms) => (offset += ms),
    browser: () => createHttpClient(),
    async close() {
      await built.close();
      await server.close();
      await fhir.close();
      await smart.close();
      await idp?.close();
    },
  };
}

/** The headers a browser sends when a gateway page submits its own form. */
export function sameOrigin(world: IdentityWorld): Record<string, string> {
  return {
    origin: world.gateway,
    "sec-fetch-site": "same-origin",
    "content-type": "application/x-www-form-urlencoded",
  };
}

/**
 * Plays the person in a browser: opens the authorization URL, signs in with an account (or
 * is already signed in) and presses Allow. Answers the client redirect URL (not fetched).
 */
export async function approveInBrowser(
  world: IdentityWorld,
  http: HttpClient,
  authorizationUrl: string,
  account?: { username: string; password: string },
): Promise<URL> {
  const start = await http.fetch(authorizationUrl);
  const pageUrl = start.headers.get("location");
  await start.body?.cancel();
  if (start.status !== 303 || !pageUrl) throw new Error(`authorize answered ${start.status}`);
  const page = await http.fetch(new URL(pageUrl, world.gateway));
  const html = await page.text();
  if (page.status !== 200) throw new Error(`sign-in page answered ${page.status}: ${html}`);
  const form = new URLSearchParams({ action: "approve" });
  if (html.includes('data-outcome="signin"')) {
    if (!account) throw new Error("the page asks to sign in, and no account was given");
    form.set("username", account.username);
    form.set("password", account.password);
  }
  const posted = await http.fetch(new URL(pageUrl, world.gateway), {
    method: "POST",
    headers: sameOrigin(world),
    body: form,
  });
  const location = posted.headers.get("location");
  const text = await posted.text();
  if (posted.status !== 303 || !location) {
    throw new Error(`approve answered ${posted.status}: ${text.slice(0, 300)}`);
  }
  return new URL(location);
}

/** A PKCE pair (S256). */
export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const verifier = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
  return { verifier, challenge };
}

/** Registers a public client by RFC 7591; answers its client_id. */
export async function registerClient(world: IdentityWorld, redirectUri: string): Promise<string> {
  const res = await fetch(`${world.gateway}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "test client",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    }),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** The authorization URL for a client, with PKCE and the given extras. */
export function authorizeUrl(
  world: IdentityWorld,
  params: Record<string, string>,
): string {
  const url = new URL(`${world.gateway}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    code_challenge_method: "S256",
    ...params,
  })
    .toString();
  return url.href;
}

/** Posts to the token endpoint; answers status and JSON body. */
export async function tokenCall(
  world: IdentityWorld,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${world.gateway}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  if (res.status >= 500) throw new Error(`token endpoint answered ${res.status}: ${text}`);
  return { status: res.status, body: JSON.parse(text) };
}

/** Runs the whole code flow for an account; answers the client id and token response. */
export async function signInTokens(
  world: IdentityWorld,
  account: { username: string; password: string },
  options: { resource?: string; scope?: string; browser?: HttpClient } = {},
): Promise<{ clientId: string; tokens: Record<string, string>; redirectUri: string }> {
  const redirectUri = "http://127.0.0.1:1/cb";
  const clientId = await registerClient(world, redirectUri);
  const { verifier, challenge } = await pkce();
  const back = await approveInBrowser(
    world,
    options.browser ?? world.browser(),
    authorizeUrl(world, {
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      state: "st",
      ...(options.resource ? { resource: options.resource } : {}),
      ...(options.scope ? { scope: options.scope } : {}),
    }),
    account,
  );
  const { status, body } = await tokenCall(world, {
    grant_type: "authorization_code",
    client_id: clientId,
    code: back.searchParams.get("code") ?? "",
    redirect_uri: redirectUri,
    code_verifier: verifier,
    ...(options.resource ? { resource: options.resource } : {}),
  });
  if (status !== 200) throw new Error(`token answered ${status}: ${JSON.stringify(body)}`);
  return { clientId, tokens: body, redirectUri };
}
