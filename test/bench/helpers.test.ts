import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchset, writeFixtures } from "../../scripts/bench/fixtures.ts";
import { quantile } from "../../scripts/bench/latency.ts";
import { type Nginx, proxyConfig, startNginx, upstreamConfig } from "../../scripts/bench/nginx.ts";
import { freePort } from "../../scripts/bench/ports.ts";
import {
  formatCosts,
  formatGoals,
  formatTable,
  judge,
  type Row,
} from "../../scripts/bench/report.ts";
import { partOf, summarize } from "../../scripts/bench/cdp-profile.ts";
import { startFloor } from "../../scripts/bench/floor.ts";
import { parseVmRss, rssOf } from "../../scripts/bench/rss.ts";
import { parseWrk } from "../../scripts/bench/wrk.ts";

// The bench harness's helpers (not timings): wrk's report and /proc status parsed, goals
// judged from figures, and the two nginx configurations run by Debian's real nginx.

describe("parsers", () => {
  it("reads wrk's report, its non-2xx count and socket errors", () => {
    const text = `Running 1s test @ http://127.0.0.1:1/x
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  300.00us   5.00ms   90.00%
  12345 requests in 1.00s, 2.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  12345.67
Transfer/sec:      2.00MB
`;
    expect(parseWrk(text)).toEqual({
      requestsPerSecond: 12345.67,
      requests: 12345,
      non2xx: 7,
      socketErrors: 3,
    });
    expect(() => parseWrk("unable to connect")).toThrow(/unexpected wrk output/);
  });

  it("reads VmRSS in bytes, and this process's own", () => {
    expect(parseVmRss("Name:\tnode\nVmRSS:\t   2048 kB\nVmSwap: 0 kB\n")).toBe(2048 * 1024);
    expect(() => parseVmRss("Name: x\n")).toThrow();
    expect(rssOf(process.pid)).toBeGreaterThan(1 << 20);
  });

  it("takes quantiles of sorted values", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(3);
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("goals", () => {
  const cell = (rps: number, p50Ms: number) => ({ rps, p50Ms, p90Ms: p50Ms });
  const rows: Row[] = [
    {
      name: "read",
      entries: 0,
      bytes: 160,
      auth: false,
      cells: {
        direct: cell(100, 0.2),
        nginx: cell(50, 0.3),
        deno: cell(60, 0.5),
        node: cell(40, 1),
      },
    },
    { name: "read, auth", entries: 0, bytes: 160, auth: true, cells: { deno: cell(55, 0.6) } },
  ];
  it("compares with nginx and Deno, and takes added latency over the open row's direct", () => {
    const goals = judge(rows, {});
    expect(goals).toEqual([
      { goal: "read: Deno throughput >= nginx proxy", value: "1.20x", met: true },
      { goal: "read: Node >= 0.8x Deno", value: "0.67x", met: false },
      { goal: "read, auth, deno: added p50 <= 0.5 ms", value: "0.40 ms", met: true },
    ]);
    expect(formatTable(rows)).toContain(
      "| read, auth | - | - | 55/s (1.10x), p50 0.60 ms (+0.40) | - |",
    );
  });
});

describe("why a goal is missed", () => {
  const cell = (rps: number) => ({ rps, p50Ms: 1, p90Ms: 1 });
  it("splits a request's cost into the bare runtime's and the gateway's own", () => {
    const rows: Row[] = [{
      name: "read",
      entries: 0,
      bytes: 160,
      auth: false,
      cells: { nginx: cell(20_000), deno: cell(4_000), "deno-floor": cell(10_000) },
    }];
    expect(formatCosts(rows)).toBe(
      "read, deno: nginx 50 µs a request; the bare deno proxy 100 µs (2.0x nginx, no rewrite); " +
        "the gateway 250 µs: 150 µs its own work over the bare proxy",
    );
    expect(formatTable(rows)).toContain("bare Deno proxy");
    const [goal] = judge(rows, {});
    expect(goal!.met).toBe(false);
    expect(goal!.why).toBe(
      "a bare Deno.serve + fetch passthrough (no gateway code) reaches 0.50x nginx: out of " +
        "reach for a proxy on this runtime; the gateway's own work adds 150 µs a request " +
        "(profile below)",
    );
    expect(formatGoals([goal!])).toContain("\n       why: a bare Deno.serve");
  });

  it("groups a CPU profile's busy self time into parts of the stack, idle left out", () => {
    const node = (id: number, functionName: string, url: string, hitCount: number) => ({
      id,
      callFrame: { functionName, url, lineNumber: 0 },
      hitCount,
    });
    const s = summarize({
      nodes: [
        node(1, "(idle)", "", 500),
        node(2, "parse", "", 30),
        node(3, "exchange", "file:///x/src/core/exchange.ts", 20),
        node(4, "dispatch", "file:///x/node_modules/hono/dist/compose.js", 25),
        node(5, "(garbage collector)", "", 25),
        node(6, "emit", "ext:deno_node/inspector_network_bridge.js", 400),
      ],
    });
    expect(s.busySamples).toBe(100);
    expect(s.parts).toEqual([
      { part: "JSON parse/stringify", share: 0.3 },
      { part: "Hono (router, context)", share: 0.25 },
      { part: "garbage collector", share: 0.25 },
      { part: "gateway src/core/", share: 0.2 },
    ]);
    expect(partOf({ functionName: "x", url: "node:internal/deps/undici/undici", lineNumber: 0 }))
      .toBe("runtime JS: fetch client (undici)");
  });
});

describe("nginx as upstream and as sub_filter proxy", () => {
  let dir: string;
  let up: Nginx, proxy: Nginx;
  let upPort: number, proxyPort: number;
  beforeAll(async () => {
    dir = await mkdtemp(`${tmpdir()}/bench-test-`);
    [upPort, proxyPort] = [await freePort(), await freePort()];
    await writeFixtures(`${dir}/www`, `http://127.0.0.1:${upPort}/fhir`, 1);
    up = await startNginx(dir, "upstream", upstreamConfig(dir, `${dir}/www`, upPort), upPort);
    proxy = await startNginx(dir, "proxy", proxyConfig(dir, upPort, proxyPort), proxyPort);
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the searchset for its _count, as FHIR JSON", async () => {
    const res = await fetch(`http://127.0.0.1:${upPort}/fhir/Observation?_count=100`);
    expect(res.headers.get("content-type")).toBe("application/fhir+json");
    const body = await res.json();
    expect(body).toEqual(searchset(100, `http://127.0.0.1:${upPort}/fhir`));
    expect((await fetch(`http://127.0.0.1:${upPort}/fhir/Observation?_count=7`)).status).toBe(404);
  });

  it("the proxy rewrites every upstream URL to its own base", async () => {
    const text = await (await fetch(`http://127.0.0.1:${proxyPort}/fhir/Observation?_count=1000`))
      .text();
    expect(text).not.toContain(`127.0.0.1:${upPort}`);
    expect(JSON.parse(text)).toEqual(searchset(1000, `http://127.0.0.1:${proxyPort}/fhir`));
  });

  it("the bare Node and Deno proxies forward as they are", async () => {
    const root = new URL("../..", import.meta.url).pathname;
    for (const rt of ["node", "deno"] as const) {
      const floor = await startFloor(root, rt, await freePort(), `http://127.0.0.1:${upPort}/fhir`);
      try {
        const res = await fetch(`${floor.url}/fhir/Observation?_count=100`);
        expect(res.headers.get("content-type")).toBe("application/fhir+json");
        expect(await res.json()).toEqual(searchset(100, `http://127.0.0.1:${upPort}/fhir`));
      } finally {
        await floor.stop();
      }
    }
  }, 60_000);
});
