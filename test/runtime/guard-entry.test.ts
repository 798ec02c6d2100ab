import { describe, expect, it } from "vitest";
import { guardEntry } from "../../src/runtime/serve.ts";

/** A request whose `url` is exactly `raw`, as Deno.serve builds it from the Host header. */
function rawRequest(raw: string, init: RequestInit = {}): Request {
  const request = new Request("http://placeholder.test/", init);
  Object.defineProperty(request, "url", { value: raw });
  return request;
}

const seen: string[] = [];
const app = guardEntry(
  (r) => {
    seen.push(r.url);
    return new Response(r.body ? r.body : "ok");
  },
  () => new Response("bad", { status: 400 }),
);

describe("guardEntry", () => {
  it.each([
    "http://127.0.0.1:99999/api/fhir/local/metadata",
    "http://a b/api/fhir/local/metadata",
    "http://user@127.0.0.1:8080/api/fhir/local/metadata",
    "http://[::1/api/fhir/local/metadata",
    "ftp://127.0.0.1/x",
  ])("refuses %s before the app sees it", async (raw) => {
    const before = seen.length;
    const res = await app(rawRequest(raw));
    expect(res.status).toBe(400);
    expect(seen.length).toBe(before);
  });

  it("hands the app the URL with dot segments resolved, body intact", async () => {
    const res = await app(
      rawRequest("http://127.0.0.1:8080/api/fhir/%2e%2e/local/./metadata", {
        method: "POST",
        body: "payload",
      }),
    );
    expect(seen.at(-1)).toBe("http://127.0.0.1:8080/api/local/metadata");
    expect(await res.text()).toBe("payload");
  });

  it("passes a well-formed request through as it is", async () => {
    const request = new Request("http://127.0.0.1:8080/api/fhir/local/Patient?x=1");
    await app(request);
    expect(seen.at(-1)).toBe(request.url);
  });

  // Regression: the guard dropped the server's second argument, so `c.env` never held the
  // caller's address (Deno's remoteAddr, node-server's socket) and per-address limits saw
  // every caller as "unknown".
  it("hands the server's env on with the request, as it is and when the URL is rebuilt", async () => {
    const envs: unknown[] = [];
    const guarded = guardEntry(
      (_r, env) => (envs.push(env), new Response("ok")),
      () => new Response("bad", { status: 400 }),
    );
    const info = { remoteAddr: { hostname: "192.0.2.7" } };
    await guarded(new Request("http://127.0.0.1:8080/api/fhir/local/metadata"), info);
    await guarded(rawRequest("http://127.0.0.1:8080/api/%2e%2e/x"), info);
    expect(envs).toEqual([info, info]);
  });
});
