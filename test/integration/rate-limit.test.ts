import { afterEach, describe, expect, it } from "vitest";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";

// A real local server that throttles: 429/503 with Retry-After, then 200. The gateway's
// sleep is injected, so the test proves the waits without taking them.
let peer: StaticPeer | undefined;
afterEach(() => peer?.close());

const patient = JSON.stringify({ resourceType: "Patient", id: "p1" });
const fhir = { "content-type": "application/fhir+json" };

/** Answers `throttled` in turn, then 200 with a Patient, counting every request. */
async function throttlingPeer(throttled: Array<{ status: number; retryAfter?: string }>) {
  let n = 0;
  peer = await startStaticPeer(() => {
    const step = throttled[n++];
    if (!step) return new Response(patient, { status: 200, headers: fhir });
    const headers: Record<string, string> = { "content-type": "text/plain" };
    if (step.retryAfter !== undefined) headers["retry-after"] = step.retryAfter;
    return new Response("slow down", { status: step.status, headers });
  });
  const slept: number[] = [];
  const t = await makeTestApp({
    platforms: [{ id: "busy", fhir_base_url: `${peer.url}/fhir` }],
    deps: { sleep: (ms) => (slept.push(ms), Promise.resolve()) },
  });
  const read = () => t.app.request("http://gateway.test/api/fhir/busy/Patient/p1");
  return { read, slept, requests: () => peer!.requests.length };
}

describe("rate-limited platforms", () => {
  it("waits the Retry-After of a 429 and answers the retried request", async () => {
    const { read, slept, requests } = await throttlingPeer([{ status: 429, retryAfter: "2" }]);
    const res = await read();
    expect(res.status).toBe(200);
    expect((await json(res)).id).toBe("p1");
    expect(slept).toEqual([2000]);
    expect(requests()).toBe(2);
  });

  it("honours Retry-After on 503 and as an HTTP date", async () => {
    const soon = new Date(Date.now() + 3000).toUTCString();
    const { read, slept, requests } = await throttlingPeer([
      { status: 503, retryAfter: "1" },
      { status: 429, retryAfter: soon },
    ]);
    expect((await read()).status).toBe(200);
    expect(slept[0]).toBe(1000);
    expect(slept[1]).toBeGreaterThan(0);
    expect(slept[1]).toBeLessThanOrEqual(3000);
    expect(requests()).toBe(3);
  });

  it("retries a bounded number of times, then answers 429 as an OperationOutcome", async () => {
    const { read, slept, requests } = await throttlingPeer(
      Array.from({ length: 10 }, () => ({ status: 429, retryAfter: "1" })),
    );
    const res = await read();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    const outcome = await json<{ resourceType: string; issue: Array<{ diagnostics: string }> }>(
      res,
    );
    expect(outcome.resourceType).toBe("OperationOutcome");
    expect(outcome.issue[0]!.diagnostics).toContain("429");
    expect(slept).toEqual([1000, 1000]);
    expect(requests()).toBe(3);
  });

  it("gives a long Retry-After back to the caller at once, without waiting", async () => {
    const { read, slept, requests } = await throttlingPeer([{ status: 429, retryAfter: "120" }]);
    const res = await read();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("120");
    expect((await json(res)).resourceType).toBe("OperationOutcome");
    expect(slept).toEqual([]);
    expect(requests()).toBe(1);
  });

  it("does not retry a 429 without Retry-After", async () => {
    const { read, slept, requests } = await throttlingPeer([{ status: 429 }]);
    expect((await read()).status).toBe(429);
    expect(slept).toEqual([]);
    expect(requests()).toBe(1);
  });
});
