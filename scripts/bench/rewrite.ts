/**
 * In-process cost of a searchset's link rewrite, both ways, bytes in to bytes out:
 * - parsed: decode, JSON.parse, rewriteBundleWithPages, JSON.stringify, encode (with the
 *   parse / rewrite / stringify parts on their own);
 * - text: rewriteBundleText on the decoded text (the path of a small body read whole);
 * - stream: the bytes in 64 KiB chunks through bundleRewriteStream (the path of a large or
 *   chunked body).
 * `npx tsx scripts/bench/rewrite.ts`, or `node_modules/.bin/deno run -A scripts/bench/rewrite.ts`.
 *
 * `... rewrite.ts memory parsed|stream [n] [callers]`: peak RSS of `callers` (10) concurrent
 * rewrites of an `n`-entry (5,000) searchset whose bytes arrive in 64 KiB chunks, one way; run
 * each way in a fresh process.
 */
import { bundleRewriteStream, rewriteBundleText } from "../../src/fhir/bundle-stream.ts";
import { createLinkMapper, rewriteBundleWithPages } from "../../src/fhir/links.ts";
import { searchset } from "./fixtures.ts";
import { quantile } from "./latency.ts";

const up = "http://127.0.0.1:8080/fhir";
const mapper = createLinkMapper(up, "http://127.0.0.1:8787/api/fhir/bench", {
  mintPage: (u) => Promise.resolve(String(u.length)),
});
const chunkBytes = 64 * 1024;

/** The bytes of an `n`-entry searchset under the bench's upstream base. */
export function searchsetBytes(n: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(searchset(n, up)));
}

/** The parsed way, bytes to bytes. */
export async function rewriteParsed(bytes: Uint8Array): Promise<Uint8Array> {
  const body = JSON.parse(new TextDecoder().decode(bytes));
  await rewriteBundleWithPages(body, mapper);
  return new TextEncoder().encode(JSON.stringify(body));
}

/** The streamed way: `bytes` in chunks through the stream; resolves the output's length. */
export async function rewriteStreamed(bytes: Uint8Array, pause = false): Promise<number> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      if (pause) return;
      for (let at = 0; at < bytes.length; at += chunkBytes) {
        c.enqueue(bytes.subarray(at, at + chunkBytes));
      }
      c.close();
    },
    async pull(c) {
      if (!pause) return;
      // Chunks as a socket delivers them: one a macrotask, so concurrent callers interleave.
      for (let at = 0; at < bytes.length; at += chunkBytes) {
        await new Promise((r) => setTimeout(r, 0));
        c.enqueue(bytes.subarray(at, at + chunkBytes));
      }
      c.close();
    },
  });
  const reader = source.pipeThrough(bundleRewriteStream(mapper)).getReader();
  let length = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) length += r.value.length;
  return length;
}

/** p50 ms of each way (and of the parsed way's parts) for an `n`-entry searchset. */
export async function rewriteCost(n: number, runs: number): Promise<Record<string, number>> {
  const bytes = searchsetBytes(n);
  const text = new TextDecoder().decode(bytes);
  const times: Record<string, number[]> = {
    parse: [],
    rewrite: [],
    stringify: [],
    parsed: [],
    text: [],
    stream: [],
  };
  const time = async (name: string, f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    times[name]!.push(performance.now() - t0);
  };
  for (let i = 0; i < runs; i++) {
    // The ways alternate within each run, so load on the machine falls on all of them.
    await time("parsed", () => rewriteParsed(bytes));
    await time("text", () => rewriteBundleText(text, mapper));
    await time("stream", () => rewriteStreamed(bytes));
    const t0 = performance.now();
    const body = JSON.parse(text);
    const t1 = performance.now();
    await rewriteBundleWithPages(body, mapper);
    const t2 = performance.now();
    JSON.stringify(body);
    times.parse!.push(t1 - t0);
    times.rewrite!.push(t2 - t1);
    times.stringify!.push(performance.now() - t2);
  }
  const p50 = (xs: number[]) => quantile(xs.sort((a, b) => a - b), 0.5);
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, p50(v)]));
}

/** Peak RSS (MB) while `callers` rewrite an `n`-entry searchset at once, one way. */
export async function rewritePeakRss(
  way: "parsed" | "stream",
  n: number,
  callers: number,
): Promise<{ idle: number; peak: number }> {
  const bytes = searchsetBytes(n);
  const rss = () => process.memoryUsage().rss / 2 ** 20;
  const idle = rss();
  let peak = idle;
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 1);
  const one = async () => {
    if (way === "stream") return await rewriteStreamed(bytes, true);
    // As toResult did: the body read whole as it arrives, then parsed, rewritten, serialized.
    const source = new ReadableStream<Uint8Array>({
      async pull(c) {
        for (let at = 0; at < bytes.length; at += chunkBytes) {
          await new Promise((r) => setTimeout(r, 0));
          c.enqueue(bytes.subarray(at, at + chunkBytes));
        }
        c.close();
      },
    });
    const body = JSON.parse(await new Response(source).text());
    peak = Math.max(peak, rss());
    await rewriteBundleWithPages(body, mapper);
    const out = new TextEncoder().encode(JSON.stringify(body));
    peak = Math.max(peak, rss());
    return out.length;
  };
  await Promise.all(Array.from({ length: callers }, one));
  clearInterval(timer);
  return { idle, peak: Math.max(peak, rss()) };
}

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : "node";

if (import.meta.url === `file://${process.argv[1]}` || (import.meta as { main?: boolean }).main) {
  const args = process.argv.slice(2);
  if (args[0] === "memory") {
    const way = args[1] === "stream" ? "stream" : "parsed";
    const n = Number(args[2] ?? 5000);
    const callers = Number(args[3] ?? 10);
    const r = await rewritePeakRss(way, n, callers);
    console.log(
      `${runtime} ${way}: ${callers} x ${n} entries, idle ${r.idle.toFixed(0)} MB, ` +
        `peak ${r.peak.toFixed(0)} MB (+${(r.peak - r.idle).toFixed(0)} MB)`,
    );
  } else {
    for (const n of [100, 1000, 5000, 10000]) {
      const r = await rewriteCost(n, n >= 5000 ? 15 : 50);
      const f = (k: string) => r[k]!.toFixed(2);
      console.log(
        `${runtime} ${n} entries: parsed ${f("parsed")} ms (parse ${f("parse")}, rewrite ` +
          `${f("rewrite")}, stringify ${f("stringify")}), text ${f("text")} ms, stream ` +
          `${f("stream")} ms; stream/parsed ${(r.stream! / r.parsed!).toFixed(2)}x`,
      );
    }
  }
}
