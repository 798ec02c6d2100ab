import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { rawRequest, root, type StartedGateway, startGateway, stop } from "./_gateway.ts";

// The gateway under Deno and Node, over a real socket: a plugin from a folder outside the
// repository (importing only the public entry `fhir-gateway/plugin`), what its hooks are told,
// and how the server answers requests no client library would send (raw TCP).

const secret = "smoke-client-secret-7f3a";
let peer: FhirPeer;
let outside: string;

beforeAll(async () => {
  peer = await startFhirPeer();
  // A plugin folder as an operator keeps one: outside the repository, with the gateway
  // installed as a package (`npm install <gateway folder>` makes this same symlink).
  outside = mkdtempSync(join(tmpdir(), "gw-outside-plugins-"));
  mkdirSync(join(outside, "node_modules"));
  symlinkSync(root.replace(/\/$/, ""), join(outside, "node_modules", "fhir-gateway"), "dir");
  writeFileSync(join(outside, "swap-family.ts"), outsidePlugin);
});
afterAll(async () => {
  await peer?.close();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

/**
 * Rewrites `family=Outside` to the family of a seeded patient, so a search shows the hook ran;
 * when the hook context carries the client secret it searches for "Leaked" instead (no hits).
 */
const outsidePlugin = `import { definePlugin, type HookContext } from "fhir-gateway/plugin";

function leaks(ctx: HookContext): boolean {
  const creds = ctx.platform.credentials as Record<string, unknown>;
  return JSON.stringify(ctx).includes(${JSON.stringify(secret)}) || "clientSecret" in creds;
}

export default definePlugin({
  name: "outside-swap-family",
  platforms: ["local"],
  beforeRequest(request, ctx) {
    const url = new URL(request.url);
    if (url.searchParams.get("family") !== "Outside") return request;
    url.searchParams.set("family", leaks(ctx) ? "Leaked" : "Hermiston71");
    return new Request(url, request);
  },
});
`;

const launches = {
  deno: [
    "node_modules/.bin/deno",
    "run",
    "--allow-net",
    "--allow-env",
    // `npm start` reads only this folder; an operator adds the plugin folder the same way.
    `--allow-read=.,${"PLUGINS"}`,
    "--allow-write=./data",
    "src/main.ts",
  ],
  node: ["node_modules/.bin/tsx", "src/main.ts"],
} as const;

describe.each(["deno", "node"] as const)("the gateway under %s", (runtime) => {
  let gw: StartedGateway;
  beforeAll(async () => {
    const command = launches[runtime].map((a) => a.replace("PLUGINS", outside));
    gw = await startGateway({ command }, {
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_PLATFORM_LOCAL_CLIENT_ID: "smoke-client",
      FHIR_GATEWAY_PLATFORM_LOCAL_CLIENT_SECRET: secret,
      FHIR_GATEWAY_PLUGINS_DIR: outside,
    }, `entry-${runtime}`);
  }, 60_000);
  afterAll(async () => {
    if (gw) {
      await stop(gw.child);
      await rm(`${root}/${gw.dataDir}`, { recursive: true, force: true });
    }
  });

  it("loads a plugin from a folder outside the repository through fhir-gateway/plugin", async () => {
    expect(gw.output.join("")).toContain("outside-swap-family");
    const res = await fetch(`${gw.url}/api/fhir/local/Patient?family=Outside`);
    expect(res.status).toBe(200);
    const bundle = await res.json();
    // Hermiston71 found: the hook ran, and its context held no client secret.
    expect(bundle.entry?.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      JOHNNIE_ID,
    ]);
  });

  // Regression (issue 9 item 3): under Deno an invalid Host made every /api/fhir route 500
  // ("Invalid URL"); Node answered a bare 400.
  it.each(["127.0.0.1:99999", "a b", "user@127.0.0.1", "[::1"])(
    "answers Host %j with a 400 OperationOutcome",
    async (host) => {
      for (const path of ["/api/fhir/local/metadata", "/api/fhir/local/Patient?family=x"]) {
        const res = await rawRequest(gw.port, `GET ${path} HTTP/1.1\r\nHost: ${host}`);
        expect(res.status).toBe(400);
        expect(res.headers["content-type"]).toMatch(/^application\/fhir\+json/);
        const outcome = JSON.parse(res.body);
        expect(outcome.resourceType).toBe("OperationOutcome");
        expect(outcome.issue[0].code).toBe("invalid");
        expect(res.body).not.toMatch(/\n\s+at |Invalid URL/);
      }
    },
  );

  // Regression (issue 9 item 3): `%2e%2e` reached the router undecoded under Deno (500,
  // "reading 'indexOf'"); both runtimes now resolve dot segments before routing.
  it.each([
    "/api/fhir/%2e%2e/metadata",
    "/api/fhir/../metadata",
    "/api/fhir/%2E%2e/local/metadata",
    "/api/fhir/local/%2e%2e/%2e%2e/health",
  ])("answers %s without a 500, as a path with its dot segments resolved", async (path) => {
    const res = await rawRequest(gw.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}`);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
    const resolved = new URL(path, "http://x").pathname;
    const direct = await fetch(`${gw.url}${resolved}`);
    await direct.body?.cancel();
    expect(res.status).toBe(direct.status);
  });

  it("still answers a well-formed request over the raw socket", async () => {
    const res = await rawRequest(
      gw.port,
      `GET /api/fhir/local/Patient?family=Hermiston71 HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}`,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).entry[0].resource.id).toBe(JOHNNIE_ID);
  });
});
