import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refuseUrl } from "../../src/identity/safe-fetch.ts";
import { startStaticPeer, type StaticPeer } from "../peers/fhir-server.ts";
import {
  accounts,
  approveInBrowser,
  authorizeUrl,
  type IdentityWorld,
  pkce,
  startIdentityWorld,
  tokenCall,
} from "./_world.ts";

// Client ID Metadata Documents: the client_id is the URL of its metadata document, fetched by
// the gateway. No client library here hosts one on http (the SDK insists on https), so a small
// spec-following document server stands in for the client's web site; http://127.0.0.1 is
// allowed only through FHIR_GATEWAY_OAUTH_ALLOW_HTTP_CLIENT_IDS, as in local development.
let world: IdentityWorld;
let site: StaticPeer;
const docs = new Map<string, () => Response>();
beforeAll(async () => {
  site = await startStaticPeer((request) => {
    const doc = docs.get(new URL(request.url).pathname);
    return doc ? doc() : new Response("not found", { status: 404 });
  });
  world = await startIdentityWorld();
});
afterAll(async () => {
  await world?.close();
  await site?.close();
});

const redirectUri = "http://127.0.0.1:1/cimd-callback";
function publish(path: string, body: unknown, init: ResponseInit = {}): string {
  const url = `${site.url}${path}`;
  docs.set(path, () =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), {
      headers: { "content-type": "application/json" },
      ...init,
    }));
  return url;
}

async function authorizeStatus(clientId: string, redirect = redirectUri): Promise<Response> {
  const { challenge } = await pkce();
  return await fetch(
    authorizeUrl(world, { client_id: clientId, redirect_uri: redirect, code_challenge: challenge }),
    { redirect: "manual" },
  );
}

describe("Client ID Metadata Documents", () => {
  it("a client named by its document URL signs a person in and gets tokens without registering", async () => {
    const clientId = `${site.url}/agent/client.json`;
    publish("/agent/client.json", {
      client_id: clientId,
      client_name: "Document Agent",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    });
    const { verifier, challenge } = await pkce();
    const back = await approveInBrowser(
      world,
      world.browser(),
      authorizeUrl(world, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
      }),
      { username: "alice", password: accounts.alice },
    );
    const { status, body } = await tokenCall(world, {
      grant_type: "authorization_code",
      client_id: clientId,
      code: back.searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(status).toBe(200);
    expect(body.access_token).toMatch(/^fgw_at_/);
  });

  it("refuses a document naming another client_id, a redirect it does not list, or too much", async () => {
    const liar = publish("/liar.json", {
      client_id: "https://claude.ai/oauth/client.json",
      redirect_uris: [redirectUri],
    });
    expect((await authorizeStatus(liar)).status).toBe(401);
    const honest = `${site.url}/honest.json`;
    publish("/honest.json", { client_id: honest, redirect_uris: [redirectUri] });
    const wrongRedirect = await authorizeStatus(honest, "http://127.0.0.1:1/elsewhere");
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.headers.get("location")).toBeNull();
    const big = `${site.url}/big.json`;
    publish("/big.json", { client_id: big, redirect_uris: [redirectUri], pad: "x".repeat(50_000) });
    expect((await authorizeStatus(big)).status).toBe(401);
    const secretive = `${site.url}/secret.json`;
    publish("/secret.json", {
      client_id: secretive,
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "client_secret_basic",
    });
    expect((await authorizeStatus(secretive)).status).toBe(401);
  });

  it("does not follow a redirect from the document URL", async () => {
    const target = `${site.url}/real.json`;
    publish("/real.json", { client_id: `${site.url}/moved.json`, redirect_uris: [redirectUri] });
    const moved = `${site.url}/moved.json`;
    docs.set(
      "/moved.json",
      () => new Response(null, { status: 302, headers: { location: target } }),
    );
    const before = site.requests.length;
    expect((await authorizeStatus(moved)).status).toBe(401);
    expect(site.requests.slice(before).map((r) => new URL(r.url).pathname)).toEqual([
      "/moved.json",
    ]);
  });
});

describe("the fetch of a client's URL is bounded to public https hosts", () => {
  it.each([
    ["http://example.org/c.json", "it is not https"],
    ["https://10.0.0.5/c.json", "it names a private or local host"],
    ["https://169.254.169.254/latest/meta-data", "it names a private or local host"],
    ["https://[::1]/c.json", "it names a private or local host"],
    ["https://[fd00::1]/c.json", "it names a private or local host"],
    ["https://metadata.internal/c.json", "it names a private or local host"],
    ["https://intranet/c.json", "it names a private or local host"],
    ["https://127.0.0.1/c.json", "it names a private or local host"],
    ["https://user:pw@example.org/c.json", "it carries credentials"],
    ["https://example.org/", "it has no path"],
    ["https://example.org:8443/c.json", "it names a non-default port"],
  ])("refuses %s", (url, reason) => {
    expect(refuseUrl(new URL(url), false)).toBe(reason);
  });

  it("allows a public https document, and loopback http only when the setting allows it", () => {
    expect(refuseUrl(new URL("https://client.example.org/oauth/metadata.json"), false))
      .toBeUndefined();
    expect(refuseUrl(new URL("http://127.0.0.1:8080/c.json"), false)).toBe("it is not https");
    expect(refuseUrl(new URL("http://127.0.0.1:8080/c.json"), true)).toBeUndefined();
  });
});
