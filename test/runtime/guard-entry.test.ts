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
});
