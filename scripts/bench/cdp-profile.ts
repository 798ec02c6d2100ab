/**
 * CPU profiles of a running gateway over the inspector protocol (the same `Profiler` domain under
 * Deno and Node, so both give a V8 `.cpuprofile`), and the self time of a profile grouped into
 * the parts of the stack a reader can act on: the runtime's HTTP server and client, JSON, the
 * gateway's own code by folder, Hono, the garbage collector.
 */

/** A V8 CPU profile node, as far as the summary needs it. */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** A V8 CPU profile. */
export interface CpuProfile {
  nodes: ProfileNode[];
}

/** Busy self time of one part of the stack, as a fraction of all busy samples. */
export interface Part {
  part: string;
  share: number;
}

/** A profile's summary: parts and top functions (idle samples left out). */
export interface ProfileSummary {
  busySamples: number;
  parts: Part[];
  functions: Part[];
}

/** Connects to the inspector on `port`, profiles while `load` runs, returns the profile. */
export async function profileWhile(port: number, load: () => Promise<void>): Promise<CpuProfile> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as Array<
    { webSocketDebuggerUrl: string }
  >;
  const WS = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (!WS) throw new Error("no WebSocket: run the bench with node --experimental-websocket");
  const ws = new WS(targets[0]!.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("inspector connection failed"));
  });
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 200 });
    await send("Profiler.start");
    await load();
    const { profile } = await send("Profiler.stop") as { profile: CpuProfile };
    return profile;
  } finally {
    ws.close();
  }
}

/** The part of the stack a frame belongs to. */
export function partOf(frame: ProfileNode["callFrame"]): string | undefined {
  const { functionName: fn, url } = frame;
  if (fn === "(idle)") return undefined;
  // Deno reports every fetch to an attached inspector: that cost is the profiler's own.
  if (/inspector/i.test(fn) || /inspector/i.test(url)) return undefined;
  if (fn === "(garbage collector)") return "garbage collector";
  if (fn === "(program)") return "runtime, native (HTTP server and client, sockets)";
  if (url === "" && /^(parse|stringify)$/.test(fn)) return "JSON parse/stringify";
  if (url === "") return "runtime, native (HTTP server and client, sockets)";
  const src = url.match(/\/src\/([^/]+)\//);
  if (src && !url.includes("node_modules")) return `gateway src/${src[1]}/`;
  if (/\/src\/[^/]+\.ts$/.test(url) && !url.includes("node_modules")) return "gateway src/*.ts";
  const mod = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (mod) {
    if (mod[1] === "hono") return "Hono (router, context)";
    if (mod[1] === "@hono/node-server") return "@hono/node-server (Node adapter)";
    if (mod[1] === "deno") return "runtime, native (HTTP server and client, sockets)";
    return `library ${mod[1]}`;
  }
  if (url.includes("undici")) return "runtime JS: fetch client (undici)";
  if (/^ext:deno_(http|net)/.test(url)) return "runtime JS: HTTP server";
  if (/^ext:deno_fetch/.test(url)) return "runtime JS: fetch, Request, Response, Headers";
  if (/^ext:deno_web|^ext:deno_webidl|^ext:core/.test(url)) return "runtime JS: streams, events";
  if (/^node:internal\/(http|_http|streams|stream|net)|^node:(http|_http|net|stream)/.test(url)) {
    return "runtime JS: HTTP server, streams";
  }
  if (url.startsWith("node:") || url.startsWith("ext:")) return "runtime JS: other";
  return "other";
}

/** Groups a profile's busy self time into parts and top functions. */
export function summarize(profile: CpuProfile, topN = 8): ProfileSummary {
  const parts = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const part = partOf(node.callFrame);
    if (part === undefined) continue;
    busy += hits;
    parts.set(part, (parts.get(part) ?? 0) + hits);
    const f = node.callFrame;
    const file = f.url.replace(/^.*\/(node_modules|src)\//, "$1/");
    const key = `${f.functionName || "(anonymous)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + hits);
  }
  const share = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([part, v]) => ({
      part,
      share: busy ? v / busy : 0,
    }));
  return { busySamples: busy, parts: share(parts, 12), functions: share(fns, topN) };
}

/** The summary as indented lines. */
export function formatSummary(title: string, s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(0).padStart(3)}%`;
  return [
    `${title} (${s.busySamples} busy samples)`,
    ...s.parts.filter((p) => p.share >= 0.01).map((p) => `  ${pct(p.share)}  ${p.part}`),
    "  top functions:",
    ...s.functions.map((p) => `  ${pct(p.share)}  ${p.part}`),
  ].join("\n");
}
