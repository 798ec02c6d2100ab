/**
 * In-process cost of a searchset's rewrite, by part: JSON.parse, the link rewrite
 * (rewriteBundleWithPages), JSON.stringify. `npx tsx scripts/bench/rewrite.ts`, or
 * `npx deno run scripts/bench/rewrite.ts`.
 */
import { createLinkMapper, rewriteBundleWithPages } from "../../src/fhir/links.ts";
import { searchset } from "./fixtures.ts";
import { quantile } from "./latency.ts";

/** p50 ms of each part for an `n`-entry searchset. */
export async function rewriteCost(
  n: number,
  runs: number,
): Promise<{ parse: number; rewrite: number; stringify: number }> {
  const up = "http://127.0.0.1:8080/fhir";
  const mapper = createLinkMapper(up, "http://127.0.0.1:8787/api/fhir/bench", {
    mintPage: (u) => Promise.resolve(String(u.length)),
  });
  const text = JSON.stringify(searchset(n, up));
  const parts = { parse: [] as number[], rewrite: [] as number[], stringify: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const body = JSON.parse(text);
    const t1 = performance.now();
    await rewriteBundleWithPages(body, mapper);
    const t2 = performance.now();
    JSON.stringify(body);
    parts.parse.push(t1 - t0);
    parts.rewrite.push(t2 - t1);
    parts.stringify.push(performance.now() - t2);
  }
  const p50 = (xs: number[]) => quantile(xs.sort((a, b) => a - b), 0.5);
  return { parse: p50(parts.parse), rewrite: p50(parts.rewrite), stringify: p50(parts.stringify) };
}

if (import.meta.url === `file://${process.argv[1]}` || (import.meta as { main?: boolean }).main) {
  for (const n of [100, 1000, 5000, 10000]) {
    const r = await rewriteCost(n, n >= 5000 ? 15 : 50);
    console.log(
      `${n} entries: parse ${r.parse.toFixed(2)} ms, rewrite ${r.rewrite.toFixed(2)} ms, ` +
        `stringify ${r.stringify.toFixed(2)} ms`,
    );
  }
}
