import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { verifyPlatforms } from "../../src/catalog/verify.ts";
import { formatVerifyTable } from "../../src/catalog/verify-report.ts";
import {
  type FhirPeer,
  startFhirPeer,
  startStaticPeer,
  type StaticPeer,
  unusedPortUrl,
} from "../peers/fhir-server.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";
import { runScript, tempDir } from "./_helpers.ts";

let smart: SmartPeer;
let fhir: FhirPeer;
let slow: StaticPeer;
let unreachable: string;
let release: () => void = () => {};
const held = new Promise<void>((resolve) => (release = resolve));
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  smart = await startSmartPeer({ clients: [] });
  fhir = await startFhirPeer({ auth: smart.fhirAuth, seed: false });
  smart.setAudience(fhir.baseUrl);
  // A server that answers /fast/* after 120 ms and never answers /hang/* until released.
  slow = await startStaticPeer(async (request) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/hang/")) await held;
    else {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 120));
      inFlight--;
    }
    if (path.endsWith("/metadata")) {
      return Response.json({ resourceType: "CapabilityStatement", fhirVersion: "4.0.1" });
    }
    return new Response("not here", { status: 404 });
  });
  unreachable = await unusedPortUrl();
});
afterAll(async () => {
  release();
  await Promise.all([fhir?.close(), smart?.close(), slow?.close()]);
});

describe("verifyPlatforms against local peers", () => {
  it("reports FHIR version, SMART capabilities and PKCE methods of a reachable server", async () => {
    const [r] = await verifyPlatforms([{ id: "medplum", baseUrl: fhir.baseUrl }]);
    expect(r).toMatchObject({ id: "medplum", reachable: true, fhir_version: "4.0.1" });
    expect(r!.pkce_methods).toContain("S256");
    expect(r!.smart_capabilities).toEqual(smart.smartConfiguration.capabilities);
    expect(r!.token_endpoint).toBe(smart.smartConfiguration.token_endpoint);
    expect(r!.smart_configuration?.status).toBe(200);
  });

  it("reports an unreachable server without throwing", async () => {
    const [r] = await verifyPlatforms([{ id: "gone", baseUrl: `${unreachable}/fhir` }]);
    expect(r!.reachable).toBe(false);
    expect(r!.metadata?.error).toMatch(/^unreachable: ECONNREFUSED/);
    expect(r!.smart_capabilities).toEqual([]);
  });

  it("gives up on a server that does not answer within the timeout", async () => {
    const started = performance.now();
    const [r] = await verifyPlatforms([{ id: "hung", baseUrl: `${slow.url}/hang/fhir` }], {
      timeoutMs: 200,
    });
    expect(r!.reachable).toBe(false);
    expect(r!.metadata?.error).toBe("timeout after 200 ms");
    expect(r!.smart_configuration?.error).toBe("timeout after 200 ms");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("measures the response time of a slow server and keeps to the concurrency bound", async () => {
    maxInFlight = 0;
    const targets = Array.from({ length: 6 }, (_, i) => ({
      id: `slow-${i}`,
      baseUrl: `${slow.url}/fast/${i}`,
    }));
    const results = await verifyPlatforms(targets, { concurrency: 2, timeoutMs: 5000 });
    expect(results.map((r) => r.id)).toEqual(targets.map((t) => t.id));
    for (const r of results) {
      expect(r.reachable).toBe(true);
      expect(r.response_ms).toBeGreaterThanOrEqual(100);
      expect(r.smart_configuration?.error).toBe("HTTP 404");
    }
    expect(maxInFlight).toBe(2);
  });

  it("skips a platform without a base URL and prints a table row for each", async () => {
    const results = await verifyPlatforms([
      { id: "epic", status: "needs-registration", skipped: "needs registration" },
      { id: "medplum", status: "active", baseUrl: fhir.baseUrl },
    ]);
    expect(results[0]).toMatchObject({ skipped: "needs registration", reachable: false });
    const table = formatVerifyTable(results).split("\n");
    expect(table[0]).toMatch(/^platform\s+status\s+reachable\s+fhir\s+ms\s+smart\s+pkce\s+note$/);
    expect(table[2]).toMatch(/^epic\s+needs-registration\s+skipped/);
    expect(table[3]).toMatch(/^medplum\s+active\s+yes\s+4\.0\.1\s+\d+\s+\d+\s+S256/);
  });
});

describe("scripts/verify-platforms.ts", () => {
  it("writes a JSON report and a table for the platforms named with --only", async () => {
    const tmp = await tempDir();
    try {
      await writeFile(
        join(tmp.dir, "peer.json"),
        JSON.stringify({ id: "peer", name: "Peer", type: "sandbox", fhir_base_url: fhir.baseUrl }),
      );
      const out = join(tmp.dir, "report.json");
      const run = await runScript(
        "verify-platforms.ts",
        ["--only", "peer,local", "--timeout", "2000", "--out", out],
        {
          FHIR_GATEWAY_PLATFORMS_DIR: tmp.dir,
          FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: `${unreachable}/fhir`,
        },
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/peer\s+active\s+yes\s+4\.0\.1/);
      expect(run.stdout).toContain("2 probed: 1 reachable, 1 not; 0 skipped.");
      const report = JSON.parse(await readFile(out, "utf8"));
      expect(report.results.map((r: { id: string; reachable: boolean }) => [r.id, r.reachable]))
        .toEqual([["peer", true], ["local", false]]);
    } finally {
      await tmp.cleanup();
    }
  });
});
