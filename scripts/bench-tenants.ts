/**
 * Bench of the tenant directories (about 34,000 organizations): catalog start-up with and
 * without every tenant index, the memory they and the word index take, and tenant searches.
 *
 *   npx tsx scripts/bench-tenants.ts      prints the rows; exits 1 when a target is missed
 *
 * `npm run bench` calls benchTenants(). The measuring runs in a child Node process started
 * with --expose-gc, so heap figures are taken after a full collection and nothing else the
 * caller holds is counted.
 */
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createCatalog } from "../src/catalog/catalog.ts";
import { loadPlatformFiles, toPlatform } from "../src/catalog/load.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";

/** One figure and, when it has one, its target (lower is better; absent: reported only). */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  target?: number;
}

const targets = {
  startupDeltaMs: 1000,
  indexHeapMb: 50,
  searchP95Ms: 5,
};

/** Queries an agent or a person would type, from exact names to broad words. */
const queries = [
  "Mass General",
  "MGH",
  "mass general brigham",
  "children's hospital",
  "mayo clinic",
  "family medicine",
  "Coffeyville Regional Medical Center",
  "ucsf health",
  "new york presbyterian",
  "mercy",
  "st",
  "clinic",
  "dermatology associates",
  "kaiser permanente",
];

/** Runs the measurements in a child process and answers its rows. */
export async function benchTenants(): Promise<BenchRow[]> {
  return JSON.parse(await runSelf(["--measure"])) as BenchRow[];
}

/** Runs this script in a fresh `node --expose-gc` and answers its last line of output. */
async function runSelf(args: string[]): Promise<string> {
  const { execFile } = await import("node:child_process");
  const script = fileURLToPath(import.meta.url);
  return await new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", "--import", "tsx", script, ...args],
      { maxBuffer: 1 << 20, timeout: 300_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`bench-tenants failed: ${stderr || err.message}`));
        resolve(stdout.trim().split("\n").at(-1)!);
      },
    );
  });
}

/** One cold catalog load (a fresh process, as at start-up): wall and CPU ms. */
async function loadOnce(dir: string): Promise<{ wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const t0 = performance.now();
  const files = await loadPlatformFiles([dir]);
  createCatalog(files.map((f) => toPlatform(f.file, f.platform, {})));
  const used = process.cpuUsage(c);
  return { wall: performance.now() - t0, cpu: (used.user + used.system) / 1000 };
}

/** The measurements themselves (child process). */
async function measure(): Promise<BenchRow[]> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const heapMb = () => {
    gc();
    return process.memoryUsage().heapUsed / (1 << 20);
  };
  // The same platform files without their tenant indexes.
  const bare = await mkdtemp(join(tmpdir(), "bench-tenants-"));
  for (const f of await readdir(builtinPlatformsDir)) {
    if (f.endsWith(".json")) await copyFile(join(builtinPlatformsDir, f), join(bare, f));
  }
  const load = async (dir: string) => {
    const t0 = performance.now();
    const files = await loadPlatformFiles([dir]);
    const catalog = createCatalog(files.map((f) => toPlatform(f.file, f.platform, {})));
    return { ms: performance.now() - t0, catalog };
  };
  // Start-up is a cold load: each one in a fresh process, alternating with and without.
  const without: Array<{ wall: number; cpu: number }> = [];
  const withAll: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < 3; i++) {
    without.push(JSON.parse(await runSelf(["--load", bare])));
    withAll.push(JSON.parse(await runSelf(["--load", builtinPlatformsDir])));
  }
  await rm(bare, { recursive: true, force: true });

  const heap0 = heapMb();
  const rss0 = process.memoryUsage().rss;
  const { catalog } = await load(builtinPlatformsDir);
  const tenants = catalog.all().reduce((n, p) => n + (p.tenants?.length ?? 0), 0);
  const heap1 = heapMb();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  catalog.searchTenants("warm up", 1); // builds the word index
  const buildMs = performance.now() - t0;
  const buildCpu = process.cpuUsage(c0);
  const heap2 = heapMb();
  const rss = process.memoryUsage().rss;

  // Wall time, and the CPU time the search itself took (on a busy machine the wall time also
  // holds the time spent waiting for a core).
  const times: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < 30; round++) {
    for (const q of queries) {
      const c = process.cpuUsage();
      const s = performance.now();
      catalog.searchTenants(q, 5);
      times.push(performance.now() - s);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const at = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const pct = (p: number) => at(times, p);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [
    { name: `tenants loaded (${catalog.all().length} platforms)`, value: tenants, unit: "" },
    // On a shared machine every wall time below grows with the load; CPU time much less.
    { name: "load average (1 min) while measuring", value: loadavg()[0]!, unit: "" },
    {
      name: "cold catalog load without tenants (median of 3 processes), wall time",
      value: median(without.map((x) => x.wall)),
      unit: "ms",
    },
    {
      name: "cold catalog load with all tenants, wall time",
      value: median(withAll.map((x) => x.wall)),
      unit: "ms",
    },
    {
      name: "start-up cost of the tenants, wall time",
      value: median(withAll.map((x) => x.wall)) - median(without.map((x) => x.wall)),
      unit: "ms",
    },
    {
      name: "start-up cost of the tenants, CPU time",
      value: median(withAll.map((x) => x.cpu)) - median(without.map((x) => x.cpu)),
      unit: "ms",
      target: targets.startupDeltaMs,
    },
    { name: "heap of the loaded tenants", value: heap1 - heap0, unit: "MiB" },
    { name: "word index build (first search), wall time", value: buildMs, unit: "ms" },
    {
      name: "word index build, CPU time",
      value: (buildCpu.user + buildCpu.system) / 1000,
      unit: "ms",
    },
    {
      name: "heap of the word index",
      value: heap2 - heap1,
      unit: "MiB",
      target: targets.indexHeapMb,
    },
    { name: "RSS growth, tenants + index", value: (rss - rss0) / (1 << 20), unit: "MiB" },
    { name: `tenant search p50 (${queries.length} queries x30)`, value: pct(0.5), unit: "ms" },
    { name: "tenant search p95, wall time", value: pct(0.95), unit: "ms" },
    { name: "tenant search max, wall time", value: times.at(-1)!, unit: "ms" },
    {
      name: "tenant search p95, CPU time",
      value: at(cpu, 0.95),
      unit: "ms",
      target: targets.searchP95Ms,
    },
  ];
}

/** Prints rows as bench.ts does; answers how many targets were missed. */
export function printRows(rows: BenchRow[]): number {
  let missed = 0;
  for (const r of rows) {
    const judged = r.target !== undefined;
    const ok = r.target === undefined || r.value <= r.target;
    if (!ok) missed++;
    const value = r.unit ? `${r.value.toFixed(2)} ${r.unit}` : String(r.value);
    console.log(
      `${judged ? (ok ? "ok  " : "MISS") : "    "} ${r.name}: ${value}` +
        (judged ? ` (target <= ${r.target})` : ""),
    );
  }
  return missed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf("--load");
  if (at > 0) {
    console.log(JSON.stringify(await loadOnce(process.argv[at + 1]!)));
  } else if (process.argv.includes("--measure")) {
    console.log(JSON.stringify(await measure()));
  } else {
    process.exit(printRows(await benchTenants()) ? 1 : 0);
  }
}
