/**
 * `npm run bench`: the upstream directly (nginx serving static FHIR JSON), nginx as the
 * `sub_filter` reverse proxy, and the gateway under Deno and Node (src/main.ts as a child),
 * side by side in one run, loopback only: wrk for throughput, one request at a time for
 * latency, open and authenticated (a real SMART login, then the session cookie), plus RSS
 * while streaming 50 MB and under ten concurrent 5,000-entry Bundles. Prints the table and
 * the goals of issue 12, writes test-results/bench.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import process from "node:process";
import { startSmartPeer } from "../../test/peers/smart-server.ts";
import { formatSummary, profileWhile, summarize } from "./cdp-profile.ts";
import { startFloor } from "./floor.ts";
import { bundleSizes, writeFixtures } from "./fixtures.ts";
import {
  benchClientId,
  type GatewayChild,
  loginCookie,
  openPlatform,
  type Runtime,
  smartPlatform,
  startGateway,
  writePlatforms,
} from "./gateway.ts";
import { get, quantile, sequentialTimes } from "./latency.ts";
import { proxyConfig, startNginx, upstreamConfig } from "./nginx.ts";
import { freePort } from "./ports.ts";
import {
  type BenchReport,
  type Cell,
  formatCosts,
  formatGoals,
  formatMemory,
  formatTable,
  judge,
  type Memory,
  type Row,
  type Target,
} from "./report.ts";
import { rssOf, sampleRss } from "./rss.ts";
import { establishedTo, timeWaitTo } from "./sockets.ts";
import { runWrk } from "./wrk.ts";

const env = process.env;
/** Seconds of each wrk run (default 3: the whole bench stays under 3 minutes). */
const seconds = Number(env.BENCH_SECONDS ?? 3);
const connections = Number(env.BENCH_CONNECTIONS ?? 10);
const streamMb = 50;
const runtimes = (env.BENCH_RUNTIMES ?? "deno,node").split(",") as Runtime[];

/** Runs the bench; returns the report (also printed and written). */
export async function runBench(root: string): Promise<BenchReport> {
  const started = Date.now();
  const dir = await mkdtemp(`${tmpdir()}/fhir-bench-`);
  const stops: Array<() => Promise<void>> = [];
  try {
    const [upPort, proxyPort, ...gwPorts] = await Promise.all(
      [0, 1, ...runtimes].map(() => freePort()),
    );
    const floorPorts = await Promise.all(runtimes.map(() => freePort()));
    const upstreamBase = `http://127.0.0.1:${upPort}/fhir`;
    const www = `${dir}/www`;
    const sizes = await writeFixtures(www, upstreamBase, streamMb);
    const upstream = await startNginx(dir, "upstream", upstreamConfig(dir, www, upPort!), upPort!);
    stops.push(() => upstream.stop());
    const proxy = await startNginx(dir, "proxy", proxyConfig(dir, upPort!, proxyPort!), proxyPort!);
    stops.push(() => proxy.stop());

    const smart = await startSmartPeer({
      clients: [{
        client_id: benchClientId,
        redirect_uris: gwPorts.map((p) => `http://127.0.0.1:${p}/auth/callback`),
      }],
    });
    stops.push(() => smart.close());
    smart.setAudience(upstreamBase);
    const platformsDir = `./data/bench-platforms-${upPort}`;
    await writePlatforms(`${root}/${platformsDir}`, upstreamBase, smart.issuer);
    stops.push(() => rm(`${root}/${platformsDir}`, { recursive: true, force: true }));

    const gateways = new Map<Runtime, GatewayChild & { cookie: string }>();
    const memory: BenchReport["memory"] = {};
    for (const [i, rt] of runtimes.entries()) {
      // BENCH_STORE=memory|kv|redis picks the gateway's store (default: its own default, kv).
      const store = env.BENCH_STORE ? { FHIR_GATEWAY_STORE: env.BENCH_STORE } : undefined;
      const g = await startGateway(root, rt, gwPorts[i]!, platformsDir, { env: store });
      stops.push(async () => {
        await g.stop();
        await rm(`${root}/data/bench-${rt}-${gwPorts[i]}`, { recursive: true, force: true });
      });
      // Memory first, on a fresh process: a 50 MB download must stream, not be held.
      memory[rt] = await streamMemory(g, streamMb);
      gateways.set(rt, { ...g, cookie: await loginCookie(g.url) });
    }
    log(`set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const bases: Partial<Record<Target, string>> = {
      direct: upstreamBase,
      nginx: `http://127.0.0.1:${proxyPort}/fhir`,
    };
    for (const [rt, g] of gateways) bases[rt] = `${g.url}/api/fhir/${openPlatform}`;
    for (const [i, rt] of runtimes.entries()) {
      const floor = await startFloor(root, rt, floorPorts[i]!, upstreamBase);
      stops.push(() => floor.stop());
      bases[`${rt}-floor`] = `${floor.url}/fhir`;
    }
    const floors = runtimes.map((rt) => `${rt}-floor` as Target);

    // Sanity: every target answers the search with its own base in place of the upstream's.
    await checkRewritten(bases, upstreamBase);

    const specs = [
      { name: "read, 160 B Patient", path: "Patient/p1", entries: 0, n: 300 },
      ...bundleSizes.map((n) => ({
        name: `search, ${n.toLocaleString("en-US")} entries`,
        path: `Observation?_count=${n}`,
        entries: n,
        n: Math.max(5, Math.min(200, Math.round(20_000 / n))),
      })),
    ];
    const rows: Row[] = [];
    const upstreamConnections: Partial<Record<Runtime, { open: number; closed: number }>> = {};
    for (const spec of specs) {
      const bytes = spec.entries === 0
        ? sizes["Patient/p1"]!
        : sizes[`Observation-${spec.entries}.json`]!;
      const row: Row = {
        name: `${spec.name} (${kb(bytes)})`,
        entries: spec.entries,
        bytes,
        auth: false,
        cells: {},
      };
      for (const t of ["direct", "nginx", ...runtimes, ...floors] as Target[]) {
        const url = `${bases[t]}/${spec.path}`;
        const g = gateways.get(t as Runtime);
        const sampler = g && spec.entries === 5000 ? sampleRss(g.pid) : undefined;
        const closedBefore = timeWaitTo(upPort!);
        row.cells[t] = await measure(url, spec.n);
        if (g && spec.entries === 0) {
          // Keep-alive: what the gateway holds open to the upstream after the read runs, and
          // how many upstream connections were closed during them (TIME-WAIT).
          upstreamConnections[t as Runtime] = {
            open: establishedTo(g.pid, upPort!),
            closed: Math.max(0, timeWaitTo(upPort!) - closedBefore),
          };
        }
        if (sampler) memory[t as Runtime]!.bundlePeakRssMb = sampler.stop() / (1 << 20);
      }
      rows.push(row);
      log(`${row.name} done`);
    }
    for (const spec of specs.filter((s) => s.entries <= 100)) {
      const row: Row = {
        name: `${spec.name}, authenticated`,
        entries: spec.entries,
        bytes: spec.entries === 0 ? sizes["Patient/p1"]! : sizes["Observation-100.json"]!,
        auth: true,
        cells: {},
      };
      for (const [rt, g] of gateways) {
        const url = `${g.url}/api/fhir/${smartPlatform}/${spec.path}`;
        row.cells[rt] = await measure(url, spec.n, { cookie: g.cookie });
      }
      rows.push(row);
      log(`${row.name} done`);
    }

    const goals = judge(rows, memory);
    const report: BenchReport = {
      at: new Date().toISOString(),
      settings: {
        wrk: `wrk -t1 -c${connections} -d${seconds}s`,
        sequential: "one request at a time over one kept-alive connection; p50 of n after warm-up",
        nginx: "one worker each (upstream, proxy); proxy keep-alive to upstream, sub_filter",
        gateway: `src/main.ts, store ${env.BENCH_STORE ?? "default (kv)"}, rate limits off, ` +
          "log level warn, audit lines on stdout (default)",
        cpus: (await import("node:os")).cpus().length,
        loadavg: (await import("node:os")).loadavg().map((l) => Number(l.toFixed(2))),
        seconds: Math.round((Date.now() - started) / 1000),
      },
      rows,
      memory,
      upstreamConnections,
      goals,
    };
    console.log(`\n${formatTable(rows)}\n\n${formatMemory(memory)}\n\n${formatGoals(goals)}`);
    console.log(`\nCost of a request at full load:\n${formatCosts(rows)}`);
    for (const [rt, c] of Object.entries(upstreamConnections)) {
      console.log(
        `${rt}: after the read runs ${c.open} upstream connections open, ${c.closed} closed`,
      );
    }
    console.log(
      `\n${report.settings.wrk}; load average ${report.settings.loadavg}; ${report.settings.seconds} s`,
    );
    // For goals that are missed: where each gateway's time goes, from a CPU profile under load.
    if (goals.some((g) => !g.met) && env.BENCH_PROFILE !== "0") {
      report.profiles = await profileGateways(root, platformsDir);
      for (const p of report.profiles) console.log(`\n${p.text}`);
    }
    await mkdir(`${root}/test-results`, { recursive: true });
    await writeFile(`${root}/test-results/bench.json`, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }

  async function measure(
    url: string,
    n: number,
    headers: Record<string, string> = {},
  ): Promise<Cell> {
    const times = await sequentialTimes(url, {
      n,
      warmup: Math.max(3, Math.round(n / 10)),
      headers,
    });
    const w = await runWrk(url, { seconds, connections, headers });
    if (w.non2xx || w.socketErrors) {
      throw new Error(`${url}: ${w.non2xx} non-2xx answers, ${w.socketErrors} socket errors`);
    }
    return { rps: w.requestsPerSecond, p50Ms: quantile(times, 0.5), p90Ms: quantile(times, 0.9) };
  }
}

/**
 * CPU profiles of a fresh gateway under each runtime (started with the inspector on a free
 * port), while wrk loads the read and the 5,000-entry search: the parts of the stack their
 * busy time goes to. Deno's inspector reports every fetch while attached, so its rates are
 * lower under the profiler and its stream share is inflated; its own frames are left out.
 */
async function profileGateways(root: string, platformsDir: string) {
  const out: NonNullable<BenchReport["profiles"]> = [];
  for (const rt of runtimes) {
    const [port, inspect] = [await freePort(), await freePort()];
    const g = await startGateway(root, rt, port, platformsDir, {
      runtimeFlags: [`--inspect=127.0.0.1:${inspect}`],
    });
    try {
      for (const path of ["Patient/p1", "Observation?_count=5000"]) {
        const url = `${g.url}/api/fhir/${openPlatform}/${path}`;
        await runWrk(url, { seconds: 1, connections }); // warm-up, compiled code
        let rps = 0;
        const profile = await profileWhile(inspect, async () => {
          rps = (await runWrk(url, { seconds, connections })).requestsPerSecond;
        });
        const summary = summarize(profile);
        const text = formatSummary(
          `Where the gateway's busy time goes, ${rt}, GET ${path} (${Math.round(rps)}/s under ` +
            "the profiler)",
          summary,
        );
        out.push({ runtime: rt, path, rps, summary, text });
      }
    } finally {
      await g.stop();
      await rm(`${root}/data/bench-${rt}-${port}`, { recursive: true, force: true });
    }
  }
  return out;
}

/** Each base answers the 100-entry search with its own base where the upstream's was. */
async function checkRewritten(bases: Partial<Record<Target, string>>, upstreamBase: string) {
  for (const [t, base] of Object.entries(bases)) {
    // The bare proxies forward as they are: they only have to answer.
    if (t.endsWith("-floor")) {
      if (!(await fetch(`${base}/Observation?_count=100`).then((r) => r.text())).length) {
        throw new Error(`${t} answered nothing`);
      }
      continue;
    }
    const text = await (await fetch(`${base}/Observation?_count=100`)).text();
    const body = JSON.parse(text) as { entry: Array<{ fullUrl: string }> };
    if (body.entry.length !== 100) throw new Error(`${t}: ${body.entry.length} entries`);
    if (t !== "direct" && text.includes(upstreamBase)) {
      throw new Error(`${t} left an upstream URL in the body`);
    }
    if (body.entry[0]!.fullUrl !== `${base}/Observation/obs-0`) {
      throw new Error(`${t}: fullUrl ${body.entry[0]!.fullUrl}`);
    }
  }
}

/** RSS growth of the gateway while one client streams `mb` MB through it. */
async function streamMemory(g: GatewayChild, mb: number): Promise<Memory> {
  const warm = new Agent({ keepAlive: true });
  for (let i = 0; i < 20; i++) await get(`${g.url}/api/fhir/${openPlatform}/Patient/p1`, warm, {});
  warm.destroy();
  const idle = rssOf(g.pid);
  const sampler = sampleRss(g.pid, 5);
  const agent = new Agent({ keepAlive: false });
  const bytes = await get(`${g.url}/api/fhir/${openPlatform}/Binary/big`, agent, {});
  const peak = sampler.stop();
  if (bytes !== mb << 20) throw new Error(`streamed ${bytes} bytes, expected ${mb} MiB`);
  const MB = 1 << 20;
  return {
    streamMb: mb,
    idleRssMb: idle / MB,
    streamGrowthMb: (peak - idle) / MB,
    bundlePeakRssMb: NaN,
  };
}

function kb(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1 << 20
    ? `${Math.round(bytes / 1024)} KB`
    : `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

function log(line: string) {
  console.error(`bench: ${line}`);
}
