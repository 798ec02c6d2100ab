/**
 * `npm run bench`: the gateway against the nginx reverse proxy users would deploy instead,
 * under Deno and Node, in one run (scripts/bench/run.ts; issue 12's goals), then the tenant
 * directories (scripts/bench-tenants.ts). Needs nginx and wrk (scripts/ensure-test-deps.sh).
 * BENCH_SECONDS (default 3) sets each wrk run's length. Exits non-zero when a goal is missed.
 */
import process from "node:process";
import { runBench } from "./bench/run.ts";
import { benchTenants, printRows } from "./bench-tenants.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const report = await runBench(root);
console.log("\ntenant directories:");
const tenantsMissed = printRows(await benchTenants());
process.exitCode = report.goals.every((g) => g.met) && tenantsMissed === 0 ? 0 : 1;
