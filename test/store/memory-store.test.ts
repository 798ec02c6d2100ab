import { describe, expect, it } from "vitest";
import { createMemorySpace, createMemoryStore } from "../../src/store/memory-store.ts";
import { describeStoreContract } from "./_contract.ts";

const space = createMemorySpace();
describeStoreContract(
  "memory",
  () => ({ open: () => Promise.resolve(createMemoryStore({ space })) }),
);

describe("memory store", () => {
  it("expires by the injected clock, without sleeping", async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    await store.set("k", Uint8Array.of(1), { ttlMs: 1_000 });
    now = 999;
    expect(await store.get("k")).toEqual(Uint8Array.of(1));
    now = 1_000;
    expect(await store.get("k")).toBeUndefined();
    expect(await store.list("")).toEqual([]);
  });
});
