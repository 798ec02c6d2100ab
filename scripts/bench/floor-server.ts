/**
 * The floor under the gateway: the least a proxy written for the runtime can do, a bare
 * passthrough with no routing, checks, auth or link rewrite. Deno: `Deno.serve` + `fetch`;
 * Node: `node:http` server + `node:http` client with a keep-alive Agent, piped. The bench runs it
 * beside the gateway so the table shows how much of nginx's rate the runtime itself reaches.
 * `FLOOR_PORT=8090 FLOOR_UPSTREAM=http://127.0.0.1:8080/fhir deno run -A scripts/bench/floor-server.ts`
 */
import process from "node:process";

const port = Number(process.env.FLOOR_PORT);
const upstream = new URL(process.env.FLOOR_UPSTREAM!);
/** The floor serves under the same prefix as the upstream (`/fhir/...`). */
const deno = (globalThis as { Deno?: { serve: (...a: unknown[]) => unknown } }).Deno;

if (deno) {
  deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req: Request) => {
    const u = new URL(req.url);
    const r = await fetch(`${upstream.origin}${u.pathname}${u.search}`);
    const headers = new Headers();
    const type = r.headers.get("content-type");
    if (type) headers.set("content-type", type);
    return new Response(r.body, { status: r.status, headers });
  });
} else {
  const http = await import("node:http");
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  http.createServer((req, res) => {
    const up = http.get(
      { host: upstream.hostname, port: upstream.port, path: req.url, agent },
      (r) => {
        const type = r.headers["content-type"];
        res.writeHead(r.statusCode ?? 502, type ? { "content-type": type } : {});
        r.pipe(res);
      },
    );
    up.once("error", () => res.writeHead(502).end());
  }).listen(port, "127.0.0.1");
}
