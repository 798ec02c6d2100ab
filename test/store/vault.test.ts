import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.ts";
import { parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { VaultError } from "../../src/store/vault-error.ts";
import { generateMasterKeyLine } from "../../src/store/master-keys.ts";

const keyA = parseMasterKeys(generateMasterKeyLine()).keys[0];
const keyB = parseMasterKeys(generateMasterKeyLine()).keys[0];
const ring = (...keys: (typeof keyA)[]) => ({ keys: keys as [typeof keyA, ...(typeof keyA)[]] });
const tokens = { access_token: "at-very-secret-123", scopes: ["patient/*.rs"], n: 7 };

describe("vault", () => {
  it("round-trips JSON and never stores the plaintext", async () => {
    const store = createMemoryStore();
    const vault = createVault(store, ring(keyA));
    await vault.put("tokens:o1:epic", tokens);
    expect(await vault.get("tokens:o1:epic")).toEqual(tokens);
    const raw = await store.get("tokens:o1:epic");
    expect(new TextDecoder().decode(raw)).not.toContain("at-very-secret-123");
    // The sealed value names its key id in clear text after the version byte.
    expect(new TextDecoder().decode(raw!.subarray(2, 2 + raw![1]!))).toBe(keyA.id);
    expect(await vault.get("tokens:o1:missing")).toBeUndefined();
  });

  it("seals twice to different bytes (random IV)", async () => {
    const store = createMemoryStore();
    const vault = createVault(store, ring(keyA));
    await vault.put("a", { x: 1 });
    const first = await store.get("a");
    await vault.put("a", { x: 1 });
    expect(await store.get("a")).not.toEqual(first);
  });

  it("refuses tampered ciphertext and keeps the stored bytes", async () => {
    const store = createMemoryStore();
    const vault = createVault(store, ring(keyA));
    await vault.put("tokens:o1:epic", tokens);
    const raw = (await store.get("tokens:o1:epic"))!;
    const tampered = raw.slice();
    tampered[tampered.length - 20]! ^= 0x01;
    await store.set("tokens:o1:epic", tampered);
    const err = await vault.get("tokens:o1:epic").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultError);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as VaultError).message).toMatch(/could not be opened/);
    expect((err as VaultError).failure).toBe("rejected");
    await expect(vault.take("tokens:o1:epic")).rejects.toBeInstanceOf(VaultError);
    expect(await store.get("tokens:o1:epic")).toEqual(tampered);
  });

  it("refuses a truncated value as malformed", async () => {
    const store = createMemoryStore();
    await store.set("k", Uint8Array.of(1, 2, 3));
    const err = await createVault(store, ring(keyA)).get("k").catch((e: unknown) => e);
    expect((err as VaultError).failure).toBe("malformed");
    expect(await store.get("k")).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("refuses a value opened with the wrong master key", async () => {
    const store = createMemoryStore();
    await createVault(store, ring(keyA)).put("tokens:o1:epic", tokens);
    const wrong = { keys: [{ id: keyA.id, bytes: keyB.bytes }] as [typeof keyA] };
    const err = await createVault(store, wrong).get("tokens:o1:epic").catch((e: unknown) => e);
    expect((err as VaultError).failure).toBe("rejected");
    const missing = await createVault(store, ring(keyB)).get("tokens:o1:epic").catch((e) => e);
    expect((missing as VaultError).failure).toBe("unknown_key");
    expect((missing as VaultError).hint).toContain(keyA.id);
    expect(await store.get("tokens:o1:epic")).toBeDefined();
  });

  it("refuses a value moved to another key (AAD binds session and platform)", async () => {
    const store = createMemoryStore();
    const vault = createVault(store, ring(keyA));
    await vault.put("tokens:alice:epic", tokens);
    await store.set("tokens:mallory:epic", (await store.get("tokens:alice:epic"))!);
    await expect(vault.get("tokens:mallory:epic")).rejects.toBeInstanceOf(VaultError);
    await store.set("tokens:alice:cerner", (await store.get("tokens:alice:epic"))!);
    await expect(vault.get("tokens:alice:cerner")).rejects.toBeInstanceOf(VaultError);
  });

  it("rotates: the newest key seals, older keys still open", async () => {
    const store = createMemoryStore();
    await createVault(store, ring(keyA)).put("old", { v: "sealed by A" });
    const rotated = createVault(store, ring(keyB, keyA));
    expect(await rotated.get("old")).toEqual({ v: "sealed by A" });
    await rotated.put("new", { v: "sealed by B" });
    const raw = (await store.get("new"))!;
    expect(new TextDecoder().decode(raw.subarray(2, 2 + raw[1]!))).toBe(keyB.id);
    // Re-putting an old value re-seals it under the newest key.
    await rotated.put("old", await rotated.get("old"));
    const onlyB = createVault(store, ring(keyB));
    expect(await onlyB.get("old")).toEqual({ v: "sealed by A" });
    await expect(createVault(store, ring(keyA)).get("new")).rejects.toBeInstanceOf(VaultError);
  });

  it("take is single-use and passes ttl to the store", async () => {
    let now = 1_000;
    const store = createMemoryStore({ now: () => now });
    const vault = createVault(store, ring(keyA));
    await vault.put("state:s1", { pkce: "v" }, { ttlMs: 500 });
    const results = await Promise.all([vault.take("state:s1"), vault.take("state:s1")]);
    expect(results.filter(Boolean)).toEqual([{ pkce: "v" }]);
    await vault.put("state:s2", { pkce: "w" }, { ttlMs: 500 });
    now += 501;
    expect(await vault.take("state:s2")).toBeUndefined();
  });

  it("derives stable signing keys per purpose from the newest master key", async () => {
    const data = new TextEncoder().encode("owner-1");
    const sign = async (vault: ReturnType<typeof createVault>, purpose: string) =>
      new Uint8Array(await crypto.subtle.sign("HMAC", await vault.signingKey(purpose), data));
    const v1 = createVault(createMemoryStore(), ring(keyA));
    const v2 = createVault(createMemoryStore(), ring(keyA, keyB));
    expect(await sign(v1, "handle")).toEqual(await sign(v2, "handle"));
    expect(await sign(v1, "handle")).not.toEqual(await sign(v1, "other"));
    const v3 = createVault(createMemoryStore(), ring(keyB));
    expect(await sign(v3, "handle")).not.toEqual(await sign(v1, "handle"));
  });
});
