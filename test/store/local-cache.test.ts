import { describe, expect, it } from "vitest";
import { createLocalCache } from "../../src/store/local-cache.ts";

function setup(maxEntries = 3) {
  let t = 1_000_000;
  const cache = createLocalCache<string>({ maxEntries, now: () => t });
  return { cache, advance: (ms: number) => (t += ms) };
}

describe("the local cache in front of the store", () => {
  it("answers a value until its own ttl ends, not a millisecond later", () => {
    const { cache, advance } = setup();
    cache.set("a", "1", 5_000);
    cache.set("b", "2", 1_000);
    advance(999);
    expect(cache.get("b")).toBe("2");
    advance(1);
    expect(cache.get("b")).toBeUndefined();
    advance(3_999);
    expect(cache.get("a")).toBe("1");
    advance(1);
    expect(cache.get("a")).toBeUndefined();
  });

  it("never holds more than maxEntries: the least recently used goes first", () => {
    const { cache } = setup(3);
    for (const k of ["a", "b", "c"]) cache.set(k, k, 60_000);
    expect(cache.get("a")).toBe("a"); // a is now the most recently used
    cache.set("d", "d", 60_000);
    expect(cache.size).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect(["a", "c", "d"].map((k) => cache.get(k))).toEqual(["a", "c", "d"]);
    for (let i = 0; i < 1_000; i++) cache.set(`k${i}`, "x", 60_000);
    expect(cache.size).toBe(3);
  });

  it("keeps nothing with a ttl of 0 (caching off) or no room", () => {
    const off = setup(3).cache;
    off.set("a", "1", 0);
    expect(off.get("a")).toBeUndefined();
    const none = setup(0).cache;
    none.set("a", "1", 60_000);
    expect(none.size).toBe(0);
  });

  it("drops lapsed values on the next use, so none lingers until evicted", () => {
    const { cache, advance } = setup(100);
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, "secret", 1_000);
    expect(cache.size).toBe(50);
    advance(1_001);
    cache.get("unrelated");
    expect(cache.size).toBe(0);
  });

  it("does not keep a value read before a deletion that overtook it", () => {
    const { cache } = setup();
    const before = cache.stamp();
    // Meanwhile: a logout forgets the key while the old value was on its way from the store.
    cache.delete("a");
    cache.set("a", "stale", 60_000, before);
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", "fresh", 60_000, cache.stamp());
    expect(cache.get("a")).toBe("fresh");
  });
});
