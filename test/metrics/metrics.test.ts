import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, makeTestApp } from "../helpers/test-app.ts";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { createMetrics, platformLabel } from "../../src/metrics/metrics.ts";
import { meteredAudit } from "../../src/metrics/observers.ts";
import { noAudit } from "../../src/audit/audit-log.ts";

// /metrics scraped after real traffic: the gateway in front of the Medplum engine.
let peer: FhirPeer;
beforeAll(async () => {
  peer = await startFhirPeer();
});
afterAll(() => peer?.close());

const token = "a-metrics-token-of-32-characters";
const platforms = () => [{ id: "medplum", name: "Medplum", fhir_base_url: peer.baseUrl }];
const quiet = { FHIR_GATEWAY_AUDIT_STDOUT: "false" };

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (0.0.4): comments, then `name{labels} value` lines. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (match[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k!] = v!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
}

describe("GET /metrics", () => {
  it("counts requests by route pattern, platform and status, and times upstream calls", async () => {
    const t = await makeTestApp({ platforms: platforms(), env: quiet });
    const base = "http://gateway.test/api/fhir/medplum";
    const read = await t.app.request(`${base}/Patient/${JOHNNIE_ID}`);
    expect(read.status).toBe(200);
    const search = await t.app.request(`${base}/Patient?family=Hermiston71`);
    expect((await json<{ entry: unknown[] }>(search)).entry).toHaveLength(1);
    expect((await t.app.request(`${base}/Patient/no-such-patient`)).status).toBe(404);
    expect((await t.app.request("http://gateway.test/api/fhir/nowhere/Patient")).status)
      .toBe(404);
    expect((await t.app.request("http://gateway.test/no/such/route")).status).toBe(404);

    const scrape = await t.app.request("http://gateway.test/metrics");
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await scrape.text();
    const samples = parse(text);
    const requests = (labels: Record<string, string>) =>
      find(samples, "fhir_gateway_http_requests_total", labels).reduce((n, s) => n + s.value, 0);
    expect(requests({ platform: "medplum", status: "200", method: "GET" })).toBe(2);
    expect(requests({ platform: "medplum", status: "404" })).toBe(1);
    expect(requests({ platform: "(unknown)", status: "404" })).toBe(1);
    expect(requests({ route: "(none)", platform: "", status: "404" })).toBe(1);
    for (const s of find(samples, "fhir_gateway_http_requests_total", { platform: "medplum" })) {
      expect(s.labels.route).toMatch(/^\/api\/fhir\/:platform/);
    }
    const upstream = find(samples, "fhir_gateway_upstream_duration_seconds_count", {
      platform: "medplum",
    });
    expect(upstream.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(3);
    expect(upstream.map((s) => s.labels.interaction)).toContain("read");
    // Route patterns and platform ids only: no resource id, query value or raw path.
    expect(text).not.toContain(JOHNNIE_ID);
    expect(text).not.toContain("Hermiston");
    expect(text).not.toContain("no-such-patient");
    expect(text).not.toContain("nowhere");
    expect(text).not.toContain("/no/such/route");
  });

  it("counts rate-limit refusals by bucket", async () => {
    let clock = Date.UTC(2026, 0, 1);
    const t = await makeTestApp({
      platforms: platforms(),
      env: { ...quiet, FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "3" },
      deps: { now: () => clock },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await t.app.request("http://gateway.test/api/platforms")).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    clock += 61_000; // a new rate-limit window, so the scrape itself is served
    const scrape = await t.app.request("http://gateway.test/metrics");
    expect(scrape.status).toBe(200);
    const samples = parse(await scrape.text());
    const refused = find(samples, "fhir_gateway_refusals_total", {
      reason: "rate_limited",
      bucket: "address",
    });
    // The first refusal per client and window is audited (and counted); every 429 is a request.
    expect(refused[0]?.value).toBe(1);
    expect(find(samples, "fhir_gateway_http_requests_total", { status: "429" })[0]?.value)
      .toBe(2);
  });

  it("asks for the bearer token when FHIR_GATEWAY_METRICS_TOKEN is set", async () => {
    const t = await makeTestApp({
      platforms: platforms(),
      env: { ...quiet, FHIR_GATEWAY_METRICS_TOKEN: token },
    });
    const url = "http://gateway.test/metrics";
    const none = await t.app.request(url);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const refusal = await none.text();
    expect(refusal).not.toContain(token);
    expect(JSON.parse(refusal)).toMatchObject({ resourceType: "OperationOutcome" });
    const wrong = await t.app.request(url, { headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
    const right = await t.app.request(url, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    const text = await right.text();
    expect(text).toContain("fhir_gateway_http_requests_total");
    expect(text).toContain("fhir_gateway_process_resident_memory_bytes");
    const bare = await makeTestApp({
      platforms: platforms(),
      env: { ...quiet, FHIR_GATEWAY_METRICS_PROCESS: "off" },
    });
    const own = await (await bare.app.request(url)).text();
    expect(own).toContain("fhir_gateway_http_requests_total");
    expect(own).not.toContain("fhir_gateway_process_");
  });

  it("is absent with FHIR_GATEWAY_METRICS=off", async () => {
    const t = await makeTestApp({
      platforms: platforms(),
      env: { ...quiet, FHIR_GATEWAY_METRICS: "off" },
    });
    expect((await t.app.request("http://gateway.test/metrics")).status).toBe(404);
  });

  it("refuses a token shorter than 16 characters at start-up", async () => {
    await expect(makeTestApp({
      platforms: platforms(),
      env: { ...quiet, FHIR_GATEWAY_METRICS_TOKEN: "short" },
    })).rejects.toThrow(/FHIR_GATEWAY_METRICS_TOKEN/);
  });
});

describe("metrics labels", () => {
  it("count logins and refreshes from audit events, tenants folded into the platform id", async () => {
    const metrics = createMetrics();
    const audit = meteredAudit(noAudit, metrics);
    audit.record({
      action: "login",
      stage: "start",
      platform: "epic:some-hospital",
      outcome: "success",
    });
    audit.record({ action: "login", stage: "complete", platform: "epic", outcome: "failure" });
    audit.record({
      action: "refresh",
      platform: "smart",
      outcome: "failure",
      reason: "invalid_grant",
    });
    const samples = parse((await metrics.render()).body);
    expect(
      find(samples, "fhir_gateway_logins_total", { platform: "epic", stage: "start" })[0]?.value,
    )
      .toBe(1);
    expect(find(samples, "fhir_gateway_logins_total", { outcome: "failure" })[0]?.value).toBe(1);
    expect(find(samples, "fhir_gateway_token_refreshes_total", { outcome: "failure" })[0]?.value)
      .toBe(1);
    expect(JSON.stringify(samples)).not.toContain("some-hospital");
  });

  it("never turn hostile values into label values", () => {
    expect(platformLabel('x"} 1\nevil{a="')).toBe("(invalid)");
    expect(platformLabel("epic:tenant")).toBe("epic");
    expect(platformLabel("")).toBe("");
  });
});
