import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestApp } from "../helpers/test-app.ts";

// A raw node:http upstream that streams on purpose: if the gateway held a download whole,
// the test would wait for a chunk that never comes and fail on the guard timeout.
let server: Server;
let release!: () => void;
let firstUploadChunk!: (chunk: string) => void;
const uploadStarted = new Promise<string>((r) => (firstUploadChunk = r));
let t: Awaited<ReturnType<typeof makeTestApp>>;

beforeAll(async () => {
  const released = new Promise<void>((r) => (release = r));
  server = createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write("part1");
      void released.then(() => res.end("part2"));
      return;
    }
    let got = "";
    req.on("data", (chunk: Buffer) => {
      if (!got) firstUploadChunk(String(chunk));
      got += String(chunk);
    });
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/fhir+json" });
      res.end(JSON.stringify({ resourceType: "Binary", id: "b1", data: got }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  t = await makeTestApp({
    platforms: [{ id: "stream", fhir_base_url: `http://127.0.0.1:${port}` }],
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function guard<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`stalled: ${what}`)), 3_000)),
  ]);
}

describe("bodies stream between caller and platform", () => {
  it("forwards a download's first bytes before the platform has finished", async () => {
    const res = await t.app.request("http://gateway.test/api/fhir/stream/Binary/b1");
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await guard(reader.read(), "first chunk of the download");
    expect(new TextDecoder().decode(first.value)).toBe("part1");
    release();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += new TextDecoder().decode(r.value);
    }
    expect(rest).toBe("part2");
  });

  // Uploads are checked whole before anything goes upstream (defect f: a form or broken JSON
  // once streamed to the platform), so a chunked upload is read to its end within the limit.
  it("reads a chunked upload to its end, checks it, and only then sends it upstream", async () => {
    const encoder = new TextEncoder();
    let uploads = 0;
    void uploadStarted.then(() => uploads++);
    const send = (chunks: string[]) => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
          c.close();
        },
      });
      return t.app.request("http://gateway.test/api/fhir/stream/Binary", {
        method: "POST",
        headers: { "content-type": "application/fhir+json" },
        body,
        duplex: "half",
      } as RequestInit);
    };
    const broken = await send(['{"resourceType":"Binary",', '"contentType":']);
    expect(broken.status).toBe(400);
    expect(uploads).toBe(0);
    const res = await guard(
      Promise.resolve(send(['{"resourceType":"Binary",', '"contentType":"text/plain"}'])),
      "upload response",
    );
    expect(res.status).toBe(201);
    expect((await res.json()).data).toBe('{"resourceType":"Binary","contentType":"text/plain"}');
  });
});
