import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientAddress } from "../../src/http/client-address.ts";
import { rateLimit } from "../../src/http/rate-limit.ts";
import { createLogger } from "../../src/log.ts";
import { createErrorHandler } from "../../src/rest/errors.ts";
import { createMemorySpace } from "../../src/store/memory-store.ts";
import { openRedisStore } from "../../src/store/redis-store.ts";
import type { KeyValueStore } from "../../src/store/types.ts";
import { json } from "../helpers/test-app.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";
import { edgeApp } from "./_edge-app.ts";

// Issue 9 item 9: bursts of 500 reads, callbacks, confirm posts and logins were all served.
// The clock is injected: 15 s into a 60 s window, so Retry-After must be exactly 45.
const windowStart = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
const clock = (offset = 15_000) => {
  const c = { t: windowStart + offset, now: () => c.t };
  return c;
};

async function burst(n: number, send: () => Promise<Response>): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < n; i++) out.push(await send());
  return out;
}
const statuses = (rs: Response[]) => rs.map((r) => r.status);

/** Two instances on one memory store, an address limit of 4, one injected clock. */
async function twoInstances() {
  const c = clock();
  const space = createMemorySpace();
  const env = { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "4" };
  const a = await edgeApp({ space, env, now: c.now });
  const b = await edgeApp({ space, env, now: c.now });
  return { c, a, b };
}

describe("rate limits", () => {
  it("a burst from one address gets 429 OperationOutcome with Retry-After to the window's end, audited once", async () => {
    const c = clock();
    const t = await edgeApp({ env: { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "5" }, now: c.now });
    const answers = await burst(8, () => t.from("192.0.2.10", "/api/platforms"));
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = answers[5]!;
    expect(refused.headers.get("retry-after")).toBe("45");
    expect(refused.headers.get("cache-control")).toBe("no-store");
    expect(await json(refused)).toMatchObject({
      resourceType: "OperationOutcome",
      issue: [{ code: "throttled", details: { coding: [{ code: "rate_limited" }] } }],
    });
    const refusals = t.audit.filter((a) => a.action === "refusal");
    expect(refusals).toEqual([expect.objectContaining({
      reason: "rate_limited",
      bucket: "address",
      client: "192.0.2.10",
      route: "/api/platforms",
    })]);
    // Another address is not affected; the next window serves this one again.
    expect((await t.from("192.0.2.11", "/api/platforms")).status).toBe(200);
    c.t += 45_000;
    expect((await t.from("192.0.2.10", "/api/platforms")).status).toBe(200);
  });

  it("keeps Retry-After between 1 s and the window at any point of the window", async () => {
    for (const offset of [0, 1, 59_999]) {
      const c = clock(offset);
      const t = await edgeApp({ env: { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "1" }, now: c.now });
      await t.from("192.0.2.10", "/api/platforms");
      const retry = Number(
        (await t.from("192.0.2.10", "/api/platforms")).headers.get("retry-after"),
      );
      expect(retry).toBe(Math.max(1, Math.ceil((60_000 - offset) / 1000)));
    }
  });

  it("limits login starts, callbacks and confirm posts in their own stricter buckets", async () => {
    const c = clock();
    const t = await edgeApp({
      withVault: true,
      now: c.now,
      env: {
        FHIR_GATEWAY_RATE_LIMIT_LOGIN: "2",
        FHIR_GATEWAY_RATE_LIMIT_CALLBACK: "3",
        FHIR_GATEWAY_RATE_LIMIT_CONFIRM: "2",
      },
    });
    const ip = "198.51.100.7";
    const logins = await burst(3, () => t.from(ip, "/auth/nope/login"));
    expect(statuses(logins).slice(0, 2)).not.toContain(429);
    expect(logins[2]!.status).toBe(429);
    const callbacks = await burst(4, () => t.from(ip, "/auth/callback?state=x&code=y"));
    expect(statuses(callbacks).slice(0, 3)).not.toContain(429);
    expect(callbacks[3]!.status).toBe(429);
    const confirm = `/auth/confirm/${"c".repeat(43)}`;
    const posts = await burst(3, () => t.from(ip, confirm, { method: "POST" }));
    expect(statuses(posts).slice(0, 2)).not.toContain(429);
    expect(posts[2]!.status).toBe(429);
    // The general bucket still serves this address.
    expect((await t.from(ip, "/api/platforms")).status).toBe(200);
    expect(t.audit.filter((a) => a.reason === "rate_limited").map((a) => a.bucket))
      .toEqual(["login", "callback", "confirm"]);
  });

  it("limits one session spread over many addresses", async () => {
    const c = clock();
    const t = await edgeApp({ env: { FHIR_GATEWAY_RATE_LIMIT_SESSION: "3" }, now: c.now });
    const cookie = { cookie: "fhir_gateway_session=s3ss10n" };
    const answers = await burst(
      5,
      () => t.from(`203.0.113.${Math.random() * 250 | 0}`, "/api/platforms", { headers: cookie }),
    );
    expect(statuses(answers)).toEqual([200, 200, 200, 429, 429]);
    const handle = { "x-auth-handle": "h.a.n.d.l.e" };
    const byHandle = await burst(
      4,
      () => t.from("203.0.113.1", "/api/platforms", { headers: handle }),
    );
    expect(statuses(byHandle)).toEqual([200, 200, 200, 429]);
  });

  it("reads X-Forwarded-For only from a trusted proxy", async () => {
    const c = clock();
    const t = await edgeApp({
      now: c.now,
      env: { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "2", FHIR_GATEWAY_TRUSTED_PROXIES: "10.0.0.0/8" },
    });
    // A direct client inventing addresses is still one address.
    const spoofed = await burst(3, () =>
      t.from("192.0.2.50", "/api/platforms", {
        headers: { "x-forwarded-for": `198.51.100.${Math.random() * 250 | 0}` },
      }));
    expect(statuses(spoofed)).toEqual([200, 200, 429]);
    // Behind the proxy, each forwarded client has its own bucket (the rightmost untrusted hop).
    const via = (client: string) =>
      t.from("10.0.0.1", "/api/platforms", {
        headers: { "x-forwarded-for": `6.6.6.6, ${client}, 10.0.0.2` },
      });
    expect(statuses(await burst(3, () => via("198.51.100.1")))).toEqual([200, 200, 429]);
    expect(statuses(await burst(2, () => via("198.51.100.2")))).toEqual([200, 200]);
    expect(t.audit.filter((a) => a.action === "refusal").map((a) => a.client))
      .toEqual(["192.0.2.50", "198.51.100.1"]);
  });

  it("does not count /health (load balancers poll it)", async () => {
    const t = await edgeApp({ env: { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "1" } });
    expect(statuses(await burst(5, () => t.from("192.0.2.1", "/health")))).not.toContain(429);
  });

  it("shares counters between two instances on one store (each view at most 1 s old)", async () => {
    const { c, a, b } = await twoInstances();
    const ip = "192.0.2.77";
    const answers: Response[] = [];
    for (const instance of [a, b, a, b, a, b]) {
      answers.push(await instance.from(ip, "/api/platforms"));
      c.t += 1000; // the sync interval: each request pushes its hits and reads the total
    }
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it("within one sync interval an instance decides on its own hits plus the last shared total, and refuses once it has synced", async () => {
    const { c, a, b } = await twoInstances();
    const ip = "192.0.2.78";
    // a serves four at once; b's first request reads the shared total (4) and is refused.
    expect(statuses(await burst(4, () => a.from(ip, "/api/platforms")))).toEqual([
      200,
      200,
      200,
      200,
    ]);
    c.t += 1000;
    expect((await a.from(ip, "/api/platforms")).status).toBe(429);
    expect((await b.from(ip, "/api/platforms")).status).toBe(429);
    // The bound: y synced at 1 hit, then x served 3 that y cannot see for up to 1 s.
    const { c: d, a: x, b: y } = await twoInstances();
    expect((await y.from(ip, "/api/platforms")).status).toBe(200);
    expect(statuses(await burst(3, () => x.from(ip, "/api/platforms")))).toEqual([200, 200, 200]);
    // y decides on its view (1) plus its own hit: admitted, the fifth request overall.
    expect((await y.from(ip, "/api/platforms")).status).toBe(200);
    d.t += 1000;
    expect((await x.from(ip, "/api/platforms")).status).toBe(429);
    expect((await y.from(ip, "/api/platforms")).status).toBe(429);
  });

  it("an anonymous flood with invented sessions creates a bounded number of counters, all expiring with the window", async () => {
    const c = clock();
    const space = createMemorySpace();
    const t = await edgeApp({ space, now: c.now, env: { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "10" } });
    await burst(200, () =>
      t.from("192.0.2.99", "/api/platforms", {
        headers: { cookie: `fhir_gateway_session=forged${Math.random()}` },
      }));
    // One address counter, and session counters only for the 10 admitted requests.
    expect([...space.entries.keys()].filter((k) => k.startsWith("ratelimit:"))).toHaveLength(11);
    expect(space.entries.size).toBe(11);
    for (const entry of space.entries.values()) {
      expect(entry.expiresAt).toBeLessThanOrEqual(windowStart + 61_000);
    }
    expect([...space.entries.keys()].join(" ")).not.toMatch(/192\.0\.2\.99|forged/);
  });

  it("counts in this instance, with one warning, while the shared counters fail", async () => {
    const lines: string[] = [];
    const app = new Hono();
    app.onError(createErrorHandler(createLogger("debug", (l) => lines.push(l))));
    app.use(rateLimit({
      shared: { add: () => Promise.reject(new Error("store down")) },
      rules: [{ bucket: "address", by: "address", limit: 2 }],
      windowSeconds: 60,
      clientAddress: createClientAddress(),
      log: createLogger("debug", (l) => lines.push(l)),
    }));
    app.get("/x", (c) => c.text("ok"));
    const env = { remoteAddr: { hostname: "192.0.2.1" } };
    const answers = await burst(3, () => Promise.resolve(app.request("/x", {}, env)));
    expect(statuses(answers)).toEqual([200, 200, 429]);
    expect(lines.filter((l) => l.includes("rate-limit counters unavailable"))).toHaveLength(1);
  });
});

describe("rate limits on a real redis-server", () => {
  let redis: RedisPeer;
  const stores: KeyValueStore[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    for (const s of stores) await s.close();
    await redis?.stop();
  });

  it("two instances share one address's counter", async () => {
    const open = async () => {
      const store = await openRedisStore(redis.url);
      stores.push(store);
      return store;
    };
    const c = clock();
    const env = { FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "3" };
    const a = await edgeApp({ store: await open(), env, now: c.now });
    const b = await edgeApp({ store: await open(), env, now: c.now });
    const ip = "192.0.2.123";
    const answers: Response[] = [];
    for (const instance of [a, b, b, a]) {
      answers.push(await instance.from(ip, "/api/platforms"));
      c.t += 1000; // one sync interval
    }
    expect(statuses(answers)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.headers.get("retry-after")).toBe("42");
  });
});
