/**
 * Benchmarks with targets: proxy overhead of a search, Bundle link rewriting, and memory while
 * streaming a large download. Run with `npm run bench`; exits non-zero when a target is missed.
 * Everything runs on loopback: a node:http upstream and the real gateway over a real socket.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { createApp } from "../src/app.ts";
import { createCatalog } from "../src/catalog/catalog.ts";
import { toPlatform } from "../src/catalog/load.ts";
import { platformFileSchema } from "../src/catalog/schema.ts";
import { parseConfig } from "../src/config.ts";
import { createLinkMapper, rewriteBundle } from "../src/fhir/links.ts";
import { loadPlugins } from "../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../src/load-catalog.ts";
import { silentLogger } from "../src/log.ts";
import { serve } from "../src/runtime/serve.ts";

const targets = {
  searchOverheadP50Ms: 5,
  rewrite1000EntriesMs: 25,
  streamRssGrowthMb: 64,
};

function bundle(n: number, base: string) {
  return {
    resourceType: "Bundle",
    type: "searchset",
    link: [{ relation: "self", url: `${base}/Observation?_count=${n}` }, {
      relation: "next",
      url: `${base}/Observation?_count=${n}&_offset=${n}`,
    }],
    entry: Array.from({ length: n }, (_, i) => ({
      fullUrl: `${base}/Observation/${i}`,
      resource: {
        resourceType: "Observation",
        id: String(i),
        status: "final",
        code: { text: "x" },
      },
      search: { mode: "match" },
    })),
  };
}

const streamMb = 256;
const upstream = createServer((req, res) => {
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/fhir`;
  if (req.url?.startsWith("/fhir/Binary")) {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(1 << 20, 97);
    let sent = 0;
    const pump = () => {
      while (sent < streamMb) {
        sent++;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    return pump();
  }
  res.writeHead(200, { "content-type": "application/fhir+json" });
  res.end(JSON.stringify(bundle(20, base)));
});
await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
const upstreamBase = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/fhir`;

const config = parseConfig({ FHIR_GATEWAY_STORE: "memory", FHIR_GATEWAY_PORT: "0" });
const platform = toPlatform(
  "platforms/bench.json",
  platformFileSchema.parse({
    id: "bench",
    name: "bench",
    type: "sandbox",
    fhir_base_url: upstreamBase,
  }),
  {},
);
const { app } = createApp({
  config,
  catalog: createCatalog([platform]),
  plugins: await loadPlugins([builtinPluginsDir]),
  log: silentLogger,
});
const server = await serve(app.fetch, { hostname: "127.0.0.1", port: 0 });

async function timeRequests(url: string, n: number, concurrency: number): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      const t0 = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
  }));
  return times.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const results: Array<{ name: string; value: number; unit: string; target: number }> = [];

// 1. Proxy overhead: the same search directly and through the gateway.
await timeRequests(`${server.url}/api/fhir/bench/Observation`, 200, 4); // warm up
const direct = await timeRequests(`${upstreamBase}/Observation`, 2000, 4);
const proxied = await timeRequests(`${server.url}/api/fhir/bench/Observation`, 2000, 4);
console.log(
  `search, 20 entries, 2000 requests x4: direct p50 ${pct(direct, 0.5).toFixed(2)} ms p95 ${
    pct(direct, 0.95).toFixed(2)
  } ms; gateway p50 ${pct(proxied, 0.5).toFixed(2)} ms p95 ${pct(proxied, 0.95).toFixed(2)} ms`,
);
results.push({
  name: "search overhead p50",
  value: pct(proxied, 0.5) - pct(direct, 0.5),
  unit: "ms",
  target: targets.searchOverheadP50Ms,
});

// 2. Rewriting a 1000-entry Bundle's links.
const mapper = createLinkMapper(upstreamBase, "https://gw.example.org/api/fhir/bench");
const big = JSON.stringify(bundle(1000, upstreamBase));
const rewriteTimes: number[] = [];
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  rewriteBundle(JSON.parse(big), mapper);
  rewriteTimes.push(performance.now() - t0);
}
rewriteTimes.sort((a, b) => a - b);
results.push({
  name: "parse + rewrite 1000-entry Bundle p50",
  value: pct(rewriteTimes, 0.5),
  unit: "ms",
  target: targets.rewrite1000EntriesMs,
});

// 3. Memory: a 256 MiB download streams through without being held.
(globalThis as { gc?: () => void }).gc?.();
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const res = await fetch(`${server.url}/api/fhir/bench/Binary/big`);
let bytes = 0;
const reader = res.body!.getReader();
for (let r = await reader.read(); !r.done; r = await reader.read()) {
  bytes += r.value.byteLength;
  peak = Math.max(peak, process.memoryUsage().rss);
}
if (bytes !== streamMb << 20) throw new Error(`streamed ${bytes} bytes, expected ${streamMb} MiB`);
results.push({
  name: `RSS growth while streaming ${streamMb} MiB`,
  value: (peak - rss0) / (1 << 20),
  unit: "MiB",
  target: targets.streamRssGrowthMb,
});

await server.close();
upstream.close();
let missed = 0;
for (const r of results) {
  const ok = r.value <= r.target;
  if (!ok) missed++;
  console.log(
    `${ok ? "ok  " : "MISS"} ${r.name}: ${r.value.toFixed(2)} ${r.unit} (target <= ${r.target})`,
  );
}
process.exit(missed ? 1 : 0);
