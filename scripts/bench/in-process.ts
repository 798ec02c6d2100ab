/**
 * The gateway's own cost per request, without sockets: the real app (createApp, the default
 * settings, the memory store) answering `app.fetch` for a read and for searchsets, with an
 * upstream that answers from memory. What is left is the gateway's code and the runtime's
 * Request/Response objects. `npx tsx scripts/bench/in-process.ts` or
 * `npx deno run -A scripts/bench/in-process.ts`; BENCH_PROFILE=1 under Node with
 * `node --cpu-prof --import tsx` for a profile.
 */
import process from "node:process";
import { createApp } from "../../src/app.ts";
import { noAudit } from "../../src/audit/audit-log.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { openStore } from "../../src/store/open-store.ts";
import { patient, searchset } from "./fixtures.ts";
import { quantile } from "./latency.ts";

const up = "http://127.0.0.1:9/fhir";
const bodies: Record<string, string> = { "/fhir/Patient/p1": JSON.stringify(patient("p1")) };
for (const n of [100, 1000, 5000]) {
  bodies[`/fhir/Observation?_count=${n}`] = JSON.stringify(searchset(n, up));
}
const upstream: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const body = bodies[url.pathname + url.search];
  void init;
  return Promise.resolve(
    new Response(body ?? "{}", {
      status: body ? 200 : 404,
      headers: { "content-type": "application/fhir+json" },
    }),
  );
};

const config = parseConfig({
  FHIR_GATEWAY_PUBLIC_URL: "http://127.0.0.1:8787",
  FHIR_GATEWAY_STORE: "memory",
  FHIR_GATEWAY_LOG_LEVEL: "warn",
  FHIR_GATEWAY_RATE_LIMIT_ADDRESS: process.env.BENCH_RATE_LIMITS ? undefined : "0",
  FHIR_GATEWAY_RATE_LIMIT_SESSION: process.env.BENCH_RATE_LIMITS ? undefined : "0",
});
const log = createLogger("warn");
const { vault } = await openStore(config, log);
const file = { id: "bench", name: "Bench", type: "sandbox", fhir_base_url: up };
const catalog = createCatalog([
  toPlatform("platforms/bench.json", platformFileSchema.parse(file), config.env),
]);
const { app } = createApp({
  config,
  catalog,
  plugins: [],
  log,
  vault,
  fetch: upstream,
  audit: process.env.BENCH_AUDIT === "stdout" ? undefined : noAudit,
});

async function cost(path: string, n: number): Promise<{ p50: number; mean: number }> {
  const url = `http://127.0.0.1:8787/api/fhir/bench/${path}`;
  const times: number[] = [];
  for (let i = 0; i < n + Math.ceil(n / 5); i++) {
    const t0 = performance.now();
    const res = await app.fetch(new Request(url));
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    if (i >= Math.ceil(n / 5)) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

for (
  const [path, n] of [
    ["Patient/p1", 20_000],
    ["Observation?_count=100", 2_000],
    ["Observation?_count=1000", 300],
    ["Observation?_count=5000", 60],
  ] as const
) {
  // BENCH_ONLY=Patient runs the rows whose path contains it (a profile of one kind of call).
  if (process.env.BENCH_ONLY && !path.includes(process.env.BENCH_ONLY)) continue;
  const c = await cost(path, n);
  console.error(
    `${path}: p50 ${(c.p50 * 1000).toFixed(0)} µs, mean ${(c.mean * 1000).toFixed(0)} µs`,
  );
}
