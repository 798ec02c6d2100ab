/** The bench's figures, the goals of issue 12 judged on them, and the printed table. */

/**
 * Who answered: the upstream itself, the nginx proxy, the gateway under a runtime, or the bare
 * passthrough proxy of that runtime (scripts/bench/floor-server.ts: what the runtime's own HTTP
 * server and client cost before any gateway code).
 */
export type Target = "direct" | "nginx" | "deno" | "node" | "deno-floor" | "node-floor";
export const targets: readonly Target[] = [
  "direct",
  "nginx",
  "deno",
  "node",
  "deno-floor",
  "node-floor",
];
const headings: Record<Target, string> = {
  direct: "upstream direct",
  nginx: "nginx proxy",
  deno: "gateway, Deno",
  node: "gateway, Node",
  "deno-floor": "bare Deno proxy",
  "node-floor": "bare Node proxy",
};

/** One cell: throughput at 10 connections and latency one request at a time. */
export interface Cell {
  rps: number;
  p50Ms: number;
  p90Ms: number;
}

/** One row of the table. */
export interface Row {
  name: string;
  /** Entries in the answer (0 for a single resource). */
  entries: number;
  bytes: number;
  auth: boolean;
  cells: Partial<Record<Target, Cell>>;
}

/** Memory figures of a gateway. */
export interface Memory {
  streamMb: number;
  streamGrowthMb: number;
  bundlePeakRssMb: number;
  idleRssMb: number;
}

/** A goal and whether it was met. */
export interface Goal {
  goal: string;
  value: string;
  met: boolean;
  /** For a missed goal: what the measurements say about why (the bare proxies, idle memory). */
  why?: string;
}

/** The whole result, as written to test-results/bench.json. */
export interface BenchReport {
  at: string;
  settings: Record<string, unknown>;
  rows: Row[];
  memory: Partial<Record<"deno" | "node", Memory>>;
  /** Upstream connections after the read runs: held open, and closed during them. */
  upstreamConnections?: Partial<Record<"deno" | "node", { open: number; closed: number }>>;
  goals: Goal[];
  /** CPU profiles taken when a goal is missed (scripts/bench/cdp-profile.ts). */
  profiles?: Array<{
    runtime: string;
    path: string;
    rps: number;
    summary: import("./cdp-profile.ts").ProfileSummary;
    text: string;
  }>;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** The latency the gateway adds over the upstream for a row (p50, ms). */
export function addedP50(rows: readonly Row[], row: Row, t: Target): number | undefined {
  const direct = row.cells.direct ??
    rows.find((r) => !r.auth && r.entries === row.entries && r.bytes === row.bytes)?.cells.direct;
  const cell = row.cells[t];
  return direct && cell ? cell.p50Ms - direct.p50Ms : undefined;
}

/** The nginx cell a row is compared with (an authenticated row uses its open twin's). */
function nginxOf(rows: readonly Row[], row: Row): Cell | undefined {
  return row.cells.nginx ??
    rows.find((r) => !r.auth && r.entries === row.entries && r.bytes === row.bytes)?.cells.nginx;
}

/** The markdown table: req/s, ratio to nginx, p50 and the p50 added over direct. */
export function formatTable(rows: readonly Row[]): string {
  const shown = targets.filter((t) => rows.some((r) => r.cells[t]));
  const lines = [
    `| request | ${shown.map((t) => headings[t]).join(" | ")} |`,
    `|---|${shown.map(() => "---").join("|")}|`,
  ];
  for (const row of rows) {
    const nginx = nginxOf(rows, row);
    const cell = (t: Target) => {
      const c = row.cells[t];
      if (!c) return "-";
      let s = `${c.rps < 10 ? c.rps.toFixed(1) : int(c.rps)}/s`;
      if (t !== "direct" && t !== "nginx" && nginx) {
        s += ` (${(c.rps / nginx.rps).toFixed(2)}x)`;
      }
      s += `, p50 ${ms(c.p50Ms)} ms`;
      const added = addedP50(rows, row, t);
      if (t !== "direct" && added !== undefined) s += ` (+${ms(added)})`;
      return s;
    };
    lines.push(`| ${row.name} | ${shown.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The memory lines. */
export function formatMemory(memory: BenchReport["memory"]): string {
  return Object.entries(memory).map(([rt, m]) =>
    `${rt}: idle RSS ${m!.idleRssMb.toFixed(0)} MB; ${m!.streamMb} MB streamed through: +${
      m!.streamGrowthMb.toFixed(1)
    } MB RSS; 5,000-entry Bundles at 10 concurrent: peak RSS ${
      m!.bundlePeakRssMb.toFixed(0)
    } MB (+${(m!.bundlePeakRssMb - m!.idleRssMb).toFixed(0)} MB over idle)`
  ).join("\n");
}

/** Judges the goals of issue 12. */
export function judge(rows: readonly Row[], memory: BenchReport["memory"]): Goal[] {
  const goals: Goal[] = [];
  const headline = rows.filter((r) => !r.auth && [0, 100, 5000].includes(r.entries));
  for (const row of headline) {
    const nginx = row.cells.nginx, deno = row.cells.deno, node = row.cells.node;
    if (nginx && deno) {
      const floor = row.cells["deno-floor"];
      const own = floor ? 1e6 / deno.rps - 1e6 / floor.rps : undefined;
      goals.push({
        goal: `${row.name}: Deno throughput >= nginx proxy`,
        value: `${(deno.rps / nginx.rps).toFixed(2)}x`,
        met: deno.rps >= nginx.rps,
        why: !floor
          ? undefined
          : floor.rps < nginx.rps
          ? `a bare Deno.serve + fetch passthrough (no gateway code) reaches ${
            (floor.rps / nginx.rps).toFixed(2)
          }x nginx: out of reach for a proxy on this runtime; the gateway's own work adds ${
            Math.round(own!)
          } µs a request (profile below)`
          : `the bare Deno proxy reaches ${(floor.rps / nginx.rps).toFixed(2)}x nginx; the ` +
            `gateway's own work, ${Math.round(own!)} µs a request, is what keeps it below ` +
            "(profile below: the link rewrite)",
      });
    }
    if (deno && node) {
      const nf = row.cells["node-floor"], df = row.cells["deno-floor"];
      goals.push({
        goal: `${row.name}: Node >= 0.8x Deno`,
        value: `${(node.rps / deno.rps).toFixed(2)}x`,
        met: node.rps >= 0.8 * deno.rps,
        why: nf && df
          ? `the bare node:http passthrough reaches ${(nf.rps / df.rps).toFixed(2)}x the bare ` +
            `Deno one: Node's HTTP server and client cost ${
              Math.round(1e6 / nf.rps - 1e6 / df.rps)
            } µs a request more before any gateway code; the rest is web Request/Response/` +
            "stream objects and JavaScript that runs slower under Node (profile below)"
          : undefined,
      });
    }
  }
  for (const row of rows.filter((r) => r.auth)) {
    const limit = row.entries === 0 ? 0.5 : 1;
    for (const t of ["deno", "node"] as const) {
      const added = addedP50(rows, row, t);
      if (added === undefined) continue;
      const open = rows.find((r) => !r.auth && r.entries === row.entries);
      const floorAdded = open ? addedP50(rows, open, `${t}-floor`) : undefined;
      const openAdded = open ? addedP50(rows, open, t) : undefined;
      goals.push({
        goal: `${row.name}, ${t}: added p50 <= ${limit} ms`,
        value: `${added.toFixed(2)} ms`,
        met: added <= limit,
        why: floorAdded === undefined || openAdded === undefined
          ? undefined
          : `the bare ${t} proxy alone adds ${floorAdded.toFixed(2)} ms; the open platform ` +
            `through the gateway ${openAdded.toFixed(2)} ms, so the login itself costs ${
              (added - openAdded).toFixed(2)
            } ms`,
      });
    }
  }
  for (const [rt, m] of Object.entries(memory)) {
    goals.push({
      goal: `${rt}: ${m!.streamMb} MB stream grows RSS < 32 MB`,
      value: `${m!.streamGrowthMb.toFixed(1)} MB`,
      met: m!.streamGrowthMb < 32,
    });
    goals.push({
      goal: `${rt}: 5,000-entry Bundles x10 concurrent peak RSS < 150 MB`,
      value: `${m!.bundlePeakRssMb.toFixed(0)} MB`,
      met: m!.bundlePeakRssMb < 150,
      why: `idle is ${m!.idleRssMb.toFixed(0)} MB; ten streams in flight add ${
        (m!.bundlePeakRssMb - m!.idleRssMb).toFixed(0)
      } MB (chunks and their copies waiting for the garbage collector, not parsed Bundles)`,
    });
  }
  const linear = rows.filter((r) => !r.auth && r.entries >= 100).sort((a, b) =>
    a.entries - b.entries
  );
  for (const t of ["deno", "node"] as const) {
    const perK = linear.map((r) => ({
      n: r.entries,
      v: (addedP50(rows, r, t) ?? NaN) / r.entries * 1000,
    }));
    const small = perK.find((p) => p.n === 1000), big = perK.find((p) => p.n === 10_000);
    if (!small || !big || Number.isNaN(small.v) || Number.isNaN(big.v)) continue;
    goals.push({
      goal: `${t}: cost linear in size (ms added per 1,000 entries at 1,000 vs 10,000)`,
      value: perK.map((p) => `${p.n}: ${p.v.toFixed(2)}`).join(", "),
      // Within 1.5x per entry counts as linear; superlinear growth shows as a larger ratio.
      met: big.v <= 1.5 * Math.max(small.v, 0.01),
    });
  }
  return goals;
}

/** The goals as lines. */
export function formatGoals(goals: readonly Goal[]): string {
  return goals.map((g) =>
    `${g.met ? "met " : "MISS"} ${g.goal}: ${g.value}` +
    (!g.met && g.why ? `\n       why: ${g.why}` : "")
  ).join("\n");
}

/**
 * CPU time a request costs each proxy at full load (10 connections on one busy core: 1 s /
 * req/s), split for the gateway into what the runtime's own server and client take (its bare
 * proxy) and what the gateway adds on top. The line that says why a throughput goal is out of
 * reach when the bare runtime alone is slower than nginx.
 */
export function formatCosts(rows: readonly Row[]): string {
  const us = (c: Cell | undefined) => (c ? 1e6 / c.rps : undefined);
  const fmt = (n: number) => (n < 100 ? n.toFixed(0) : int(n));
  const lines: string[] = [];
  for (const row of rows.filter((r) => !r.auth)) {
    const nginx = us(row.cells.nginx);
    if (nginx === undefined) continue;
    for (const rt of ["deno", "node"] as const) {
      const gw = us(row.cells[rt]), floor = us(row.cells[`${rt}-floor`]);
      if (gw === undefined || floor === undefined) continue;
      lines.push(
        `${row.name}, ${rt}: nginx ${fmt(nginx)} µs a request; the bare ${rt} proxy ` +
          `${fmt(floor)} µs (${(floor / nginx).toFixed(1)}x nginx, no rewrite); the gateway ` +
          `${fmt(gw)} µs: ${fmt(Math.max(0, gw - floor))} µs its own work over the bare proxy`,
      );
    }
  }
  return lines.join("\n");
}
