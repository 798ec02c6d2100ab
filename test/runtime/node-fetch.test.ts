import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { once } from "node:events";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeFetch, type NodeFetch } from "../../src/runtime/node-fetch.ts";
import { startUpstream, until, type Upstream } from "./_upstream.ts";

const clients: NodeFetch[] = [];
const upstreams: Upstream[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const u of upstreams.splice(0)) await u.close();
});

function client(options?: Parameters<typeof createNodeFetch>[0]): NodeFetch {
  const c = createNodeFetch(options);
  clients.push(c);
  return c;
}

async function upstream(...args: Parameters<typeof startUpstream>): Promise<Upstream> {
  const u = await startUpstream(...args);
  upstreams.push(u);
  return u;
}

const manual = { redirect: "manual" } as const;

describe("the Node upstream client: requests", () => {
  it("sends a Request or a URL and init, with fetch's default headers unless the caller set them", async () => {
    const up = await upstream((_req, res) => res.end("ok"));
    const { fetch } = client();
    const a = await fetch(`${up.url}/fhir/Patient/p1?x=1`, {
      ...manual,
      headers: { accept: "application/fhir+json", "if-none-match": 'W/"1"' },
    });
    expect(await a.text()).toBe("ok");
    const b = await fetch(
      new Request(`${up.url}/fhir/Patient`, {
        ...manual,
        method: "post",
        body: "{}",
        headers: { "content-type": "application/fhir+json", "accept-encoding": "identity" },
      }),
    );
    expect(b.status).toBe(200);
    expect(up.seen[0]).toMatchObject({ method: "GET", url: "/fhir/Patient/p1?x=1" });
    expect(up.seen[0]!.headers).toMatchObject({
      accept: "application/fhir+json",
      "if-none-match": 'W/"1"',
      "accept-encoding": "gzip, deflate",
      "user-agent": "node",
    });
    // A Request's parts, the method normalized as fetch does, the caller's coding kept.
    expect(up.seen[1]).toMatchObject({ method: "POST", url: "/fhir/Patient", body: "{}" });
    expect(up.seen[1]!.headers).toMatchObject({
      "content-type": "application/fhir+json",
      "content-length": "2",
      "accept-encoding": "identity",
    });
  });

  it("sends string, bytes, URLSearchParams and ReadableStream bodies with fetch's content types", async () => {
    const up = await upstream((_req, res) => res.end());
    const { fetch } = client();
    const post = (body: BodyInit) => fetch(up.url, { ...manual, method: "POST", body });
    await post("text");
    await post(new TextEncoder().encode("bytes"));
    await post(new URLSearchParams({ name: "Hermiston", birthdate: "1970-01-01" }));
    const chunks = ["str", "eam"];
    await fetch(up.url, {
      ...manual,
      method: "PUT",
      body: new ReadableStream({
        pull(c) {
          const next = chunks.shift();
          if (next === undefined) c.close();
          else c.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: "half",
    } as RequestInit);
    const [text, bytes, form, stream] = up.seen;
    expect(text).toMatchObject({ body: "text" });
    expect(text!.headers).toMatchObject({ "content-type": "text/plain;charset=UTF-8" });
    expect(bytes).toMatchObject({ body: "bytes" });
    expect(bytes!.headers["content-length"]).toBe("5");
    expect(form).toMatchObject({ body: "name=Hermiston&birthdate=1970-01-01" });
    expect(form!.headers["content-type"]).toBe("application/x-www-form-urlencoded;charset=UTF-8");
    expect(stream).toMatchObject({ method: "PUT", body: "stream" });
    expect(stream!.headers["transfer-encoding"]).toBe("chunked");
  });

  it("never follows a redirect with redirect: manual", async () => {
    const up = await upstream((req, res) => {
      if (req.url === "/moved") res.writeHead(302, { location: "/there" }).end();
      else res.end("followed");
    });
    const response = await client().fetch(`${up.url}/moved`, manual);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/there");
    expect(up.seen.map((s) => s.url)).toEqual(["/moved"]);
  });

  it("leaves a redirect to follow to the platform fetch, which follows it", async () => {
    const up = await upstream((req, res) => {
      if (req.url === "/moved") res.writeHead(302, { location: "/there" }).end();
      else res.end("followed");
    });
    const response = await client().fetch(`${up.url}/moved`);
    expect(await response.text()).toBe("followed");
    expect(up.seen.map((s) => s.url)).toEqual(["/moved", "/there"]);
  });

  it("reuses one kept-alive connection for sequential calls", async () => {
    const up = await upstream((_req, res) => res.end("ok"));
    const c = client();
    for (let i = 0; i < 3; i++) expect(await (await c.fetch(up.url, manual)).text()).toBe("ok");
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(1);
    expect(c.connections()).toEqual({ active: 0, idle: 1 });
  });

  it("opens at most maxSocketsPerOrigin connections; further calls wait for one", async () => {
    const held: Array<() => void> = [];
    let hold = true;
    let arrived!: () => void;
    const twoArrived = new Promise<void>((r) => (arrived = r));
    const up = await upstream((_req, res) => {
      if (!hold) return void res.end("ok");
      held.push(() => res.end("ok"));
      if (held.length === 2) arrived();
    });
    const c = client({ maxSocketsPerOrigin: 2 });
    const calls = Array.from({ length: 5 }, () => c.fetch(up.url, manual).then((r) => r.text()));
    await twoArrived;
    expect(up.seen).toHaveLength(2);
    expect(c.connections().active).toBe(2);
    hold = false;
    for (const answer of held) answer();
    expect(await Promise.all(calls)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(up.seen).toHaveLength(5);
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(2);
  });
});

describe("the Node upstream client: responses", () => {
  it("answers Content-Length and chunked bodies as they were sent, headers and status intact", async () => {
    const up = await upstream((req, res) => {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      if (req.url === "/sized") {
        return void res.writeHead(201, "Made", { "content-length": 5 }).end("sized");
      }
      res.writeHead(200, { "content-type": "application/fhir+json" });
      res.write('{"a":');
      res.end("1}");
    });
    const { fetch } = client();
    const sized = await fetch(`${up.url}/sized`, manual);
    expect([sized.status, sized.statusText]).toEqual([201, "Made"]);
    expect(sized.headers.get("content-length")).toBe("5");
    expect(sized.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await sized.text()).toBe("sized");
    const chunked = await fetch(`${up.url}/chunked`, manual);
    expect(chunked.headers.get("transfer-encoding")).toBe("chunked");
    expect(await chunked.json()).toEqual({ a: 1 });
  });

  it("answers a Response: instanceof and tag, clone tees the body, bodyUsed after a read", async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"a":1}');
    });
    const response = await client().fetch(up.url, manual);
    expect(response).toBeInstanceOf(Response);
    expect(Object.prototype.toString.call(response)).toBe("[object Response]");
    expect([response.ok, response.redirected, response.bodyUsed]).toEqual([true, false, false]);
    const copy = response.clone();
    expect(await copy.json()).toEqual({ a: 1 });
    // What plugins do with an answer: a new Response over its body, its status and headers.
    const rebuilt = new Response(response.body, response);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.headers.get("content-type")).toBe("application/json");
    expect(await rebuilt.text()).toBe('{"a":1}');
    expect(response.bodyUsed).toBe(true);
    expect(() => response.clone()).toThrow(TypeError);
  });

  it("has no body for HEAD, 204 and 304, and keeps the connection", async () => {
    const up = await upstream((req, res) => {
      if (req.url === "/204") return void res.writeHead(204).end();
      if (req.url === "/304") return void res.writeHead(304, { etag: '"1"' }).end();
      res.writeHead(200, { "content-length": 4 }).end("body");
    });
    const c = client();
    const head = await c.fetch(up.url, { ...manual, method: "HEAD" });
    expect([head.status, head.body]).toEqual([200, null]);
    expect((await c.fetch(`${up.url}/204`, manual)).body).toBeNull();
    const notModified = await c.fetch(`${up.url}/304`, manual);
    expect([notModified.status, notModified.body]).toEqual([304, null]);
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(1);
  });

  it.each([
    ["gzip", gzipSync],
    ["x-gzip", gzipSync],
    ["deflate", deflateSync],
    ["deflate", deflateRawSync],
    ["br", brotliCompressSync],
  ])("decodes %s (%o) as undici does, keeping the header", async (coding, encode) => {
    const text = JSON.stringify({ resourceType: "Bundle", entry: Array(200).fill({ x: "y" }) });
    const up = await upstream((_req, res) => {
      res.writeHead(200, { "content-encoding": coding }).end(encode(Buffer.from(text)));
    });
    const response = await client().fetch(up.url, manual);
    expect(response.headers.get("content-encoding")).toBe(coding);
    expect(await response.text()).toBe(text);
  });

  it("decodes layered codings in reverse and leaves an unknown coding as it came", async () => {
    const up = await upstream((req, res) => {
      if (req.url === "/layered") {
        const twice = brotliCompressSync(gzipSync(Buffer.from("twice")));
        return void res.writeHead(200, { "content-encoding": "gzip, br" }).end(twice);
      }
      res.writeHead(200, { "content-encoding": "zz-custom" }).end("raw bytes");
    });
    const { fetch } = client();
    expect(await (await fetch(`${up.url}/layered`, manual)).text()).toBe("twice");
    expect(await (await fetch(`${up.url}/custom`, manual)).text()).toBe("raw bytes");
  });

  it("streams a 50 MB body with back-pressure: what the upstream sends stays near what is read", async () => {
    const total = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "x");
    let received = 0;
    let widestGap = 0;
    const sent = createHash("sha256");
    const up = await upstream(async (_req, res) => {
      res.writeHead(200, { "content-length": total });
      for (let written = 0; written < total;) {
        const piece = Buffer.from(chunk.subarray(0, Math.min(chunk.length, total - written)));
        piece[0] = written % 251; // not all one byte, so the hash would see a lost or moved chunk
        sent.update(piece);
        written += piece.length;
        widestGap = Math.max(widestGap, written - received);
        if (!res.write(piece)) await once(res, "drain");
      }
      res.end();
    });
    const response = await client().fetch(up.url, manual);
    const reader = response.body!.getReader();
    const got = createHash("sha256");
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      received += r.value.byteLength;
      got.update(r.value);
      // A reader slower than the socket: a client that buffered would run far ahead of it.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(received).toBe(total);
    expect(got.digest("hex")).toBe(sent.digest("hex"));
    // Socket buffers hold a few MB on loopback; buffering the body would show tens of MB here.
    expect(widestGap).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("the Node upstream client: aborts and failures", () => {
  /** An upstream that holds every request, and tells when one arrived and when its socket closed. */
  async function holding(write?: (res: import("node:http").ServerResponse) => void) {
    let arrived!: () => void;
    let closed!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const gone = new Promise<void>((r) => (closed = r));
    const up = await upstream((req, res) => {
      req.socket.once("close", closed);
      write?.(res);
      arrived();
    });
    return { up, reached, gone };
  }

  it("rejects with the abort reason when aborted before the headers, and closes that connection", async () => {
    const { up, reached, gone } = await holding();
    const c = client();
    const controller = new AbortController();
    const pending = c.fetch(up.url, { ...manual, signal: controller.signal });
    await reached;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await gone;
    await until(() => c.connections().active + c.connections().idle === 0);
  });

  it("errors the body being read when aborted mid-body, and closes that connection", async () => {
    const { up, reached, gone } = await holding((res) => {
      res.writeHead(200, { "content-length": 100 });
      res.write("first part");
    });
    const c = client();
    const controller = new AbortController();
    const response = await c.fetch(up.url, { ...manual, signal: controller.signal });
    await reached;
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first part");
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: "AbortError" });
    await gone;
    await until(() => c.connections().active + c.connections().idle === 0);
  });

  it("rejects a call aborted while it waits for a connection, and the pool serves the next", async () => {
    let release!: () => void;
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const up = await upstream((req, res) => {
      if (req.url !== "/held") return void res.end("next");
      release = () => res.end("held");
      arrived();
    });
    const c = client({ maxSocketsPerOrigin: 1 });
    const held = c.fetch(`${up.url}/held`, manual);
    await reached;
    // Regression: an abort before the request was made (the body still being read) was missed.
    const early = new AbortController();
    const racing = c.fetch(`${up.url}/early`, { ...manual, signal: early.signal });
    early.abort();
    await expect(racing).rejects.toMatchObject({ name: "AbortError" });
    // Aborted while queued behind the held call in the pool.
    const late = new AbortController();
    const queued = c.fetch(`${up.url}/queued`, { ...manual, signal: late.signal });
    await new Promise((resolve) => setImmediate(resolve)); // the call reaches the pool
    late.abort();
    await expect(queued).rejects.toMatchObject({ name: "AbortError" });
    release();
    expect(await (await held).text()).toBe("held");
    expect(await (await c.fetch(`${up.url}/after`, manual)).text()).toBe("next");
    expect(up.seen.map((s) => s.url)).toEqual(["/held", "/after"]);
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(1);
  });

  it("rejects at once for a signal already aborted, sending nothing", async () => {
    const up = await upstream((_req, res) => res.end());
    const pending = client().fetch(up.url, { ...manual, signal: AbortSignal.abort() });
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(up.seen).toHaveLength(0);
  });

  it("closes the connection of a body that is cancelled unread", async () => {
    const { up, reached, gone } = await holding((res) => {
      res.writeHead(200, { "content-length": 100 });
      res.write("part");
    });
    const c = client();
    const response = await c.fetch(up.url, manual);
    await reached;
    await response.body!.cancel();
    await gone;
    await until(() => c.connections().active === 0);
  });

  it("closes the connection of a response dropped unread once it is collected", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { up, reached, gone } = await holding((res) => {
      res.writeHead(200, { "content-length": 100 });
      res.write("part");
    });
    const c = client();
    await (async () => {
      // The answer is looked at (status) and dropped, as a HEAD built from a GET drops it.
      expect((await c.fetch(up.url, manual)).status).toBe(200);
    })();
    await reached;
    let closed = false;
    void gone.then(() => (closed = true));
    await until(() => {
      gc();
      return closed;
    });
    await until(() => c.connections().active === 0);
  });

  it("ends a body the upstream cuts off with TypeError terminated", async () => {
    const up = await upstream((req, res) => {
      res.writeHead(200, { "content-length": 100 });
      res.write("only this", () => req.socket.destroy());
    });
    const response = await client().fetch(up.url, manual);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it("rejects a refused connection with TypeError fetch failed, its cause the socket error", async () => {
    const up = await upstream((_req, res) => res.end());
    const url = up.url;
    await up.close();
    upstreams.length = 0;
    const failure = await client().fetch(url, manual).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).toMatchObject({ message: "fetch failed", cause: { code: "ECONNREFUSED" } });
  });
});
