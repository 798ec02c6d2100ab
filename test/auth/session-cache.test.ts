/**
 * Issue 12: a logged-in request resolved its session from the store (read, AES-GCM open,
 * SHA-256 of the id) on every call. Each instance now remembers what it resolved for
 * FHIR_GATEWAY_SESSION_CACHE_SECONDS; these tests count the calls on a real memory store and
 * move an injected clock (no sleeps).
 */
import { describe, expect, it, vi } from "vitest";
import { createSessionService } from "../../src/auth/sessions.ts";
import { silentLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemorySpace, createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";

const cacheSeconds = 5;

/** Two instances (services) over one memory space and one keyring, on one clock. */
function setup(options: { idleSeconds?: number; cacheSeconds?: number } = {}) {
  let t = Date.parse("2026-01-01T00:00:00Z");
  const now = () => t;
  const space = createMemorySpace();
  const keyring = parseMasterKeys(generateMasterKeyLine());
  const instance = () => {
    const store = createMemoryStore({ space, now });
    const vault = createVault(store, keyring);
    const reads = vi.spyOn(store, "get");
    const writes = vi.spyOn(store, "set");
    const keys = vi.spyOn(vault, "signingKeys");
    const sessions = createSessionService({
      vault,
      idleSeconds: options.idleSeconds ?? 600,
      log: silentLogger,
      now,
      cacheSeconds: options.cacheSeconds ?? cacheSeconds,
    });
    return { sessions, reads, writes, keys };
  };
  return { a: instance(), b: instance(), advance: (ms: number) => (t += ms) };
}

describe("the session cache", () => {
  it("resolves a session it has seen without reading the store", async () => {
    const { a, b } = setup();
    const { id, owner } = await a.sessions.create();
    for (let i = 0; i < 20; i++) expect(await b.sessions.resolve(id)).toBe(owner);
    expect(b.reads).toHaveBeenCalledTimes(1);
    // The instance that made it has not read it at all.
    expect(await a.sessions.resolve(id)).toBe(owner);
    expect(a.reads).not.toHaveBeenCalled();
  });

  it("reads the store on every call with FHIR_GATEWAY_SESSION_CACHE_SECONDS=0", async () => {
    const { a } = setup({ cacheSeconds: 0 });
    const { id } = await a.sessions.create();
    for (let i = 0; i < 5; i++) await a.sessions.resolve(id);
    expect(a.reads).toHaveBeenCalledTimes(5);
  });

  it("forgets a rotated id on the same instance at once", async () => {
    const { a } = setup();
    const { id, owner } = await a.sessions.create();
    expect(await a.sessions.resolve(id)).toBe(owner);
    const next = await a.sessions.rotate(id);
    expect(next?.owner).toBe(owner);
    expect(await a.sessions.resolve(id)).toBeUndefined();
    expect(await a.sessions.resolve(next!.id)).toBe(owner);
  });

  it("another instance sees a rotation within the cache time, and not before it ends", async () => {
    const { a, b, advance } = setup();
    const { id, owner } = await a.sessions.create();
    expect(await b.sessions.resolve(id)).toBe(owner);
    await a.sessions.rotate(id);
    // The bound: what b resolved stays good on b for at most cacheSeconds after b read it.
    advance(cacheSeconds * 1000 - 1);
    expect(await b.sessions.resolve(id)).toBe(owner);
    advance(1);
    expect(await b.sessions.resolve(id)).toBeUndefined();
  });

  it("rotates only a session the store still holds, whatever this instance remembers", async () => {
    const { a, b } = setup();
    const { id } = await a.sessions.create();
    await b.sessions.resolve(id);
    await a.sessions.rotate(id);
    expect(await b.sessions.rotate(id)).toBeUndefined();
  });

  it("writes the idle-time touch at most once per tenth of the idle time, cache or not", async () => {
    for (const seconds of [0, cacheSeconds]) {
      const { a, b, advance } = setup({ idleSeconds: 600, cacheSeconds: seconds });
      const { id, owner } = await a.sessions.create();
      // One call a second for 10 minutes on b: the session stays alive, touched every minute.
      for (let i = 0; i < 600; i++) {
        advance(1000);
        expect(await b.sessions.resolve(id)).toBe(owner);
      }
      expect(b.writes.mock.calls.length).toBeGreaterThanOrEqual(9);
      expect(b.writes.mock.calls.length).toBeLessThanOrEqual(10);
      if (seconds > 0) expect(b.reads.mock.calls.length).toBeLessThanOrEqual(600 / seconds + 10);
    }
  });

  it("never remembers a session past its idle expiry", async () => {
    const { a, advance } = setup({ idleSeconds: 600, cacheSeconds: 300 });
    const { id } = await a.sessions.create();
    expect(await a.sessions.resolve(id)).toBeDefined();
    advance(601_000);
    expect(await a.sessions.resolve(id)).toBeUndefined();
  });

  it("never remembers a provisional session: a planted id ends everywhere when a login rotates it", async () => {
    const { a, b } = setup({ cacheSeconds: 300 });
    // An attacker's anonymous login start made it; the attacker keeps using it on b.
    const planted = await a.sessions.create({ provisional: true });
    expect(await b.sessions.resolve(planted.id)).toBe(planted.owner);
    // The victim's browser completes a login with it on a: rotated.
    await a.sessions.rotate(planted.id);
    expect(await b.sessions.resolve(planted.id)).toBeUndefined();
  });
});

describe("the auth handle cache", () => {
  it("verifies a handle once, and refuses it from its expiry on", async () => {
    const { a, b, advance } = setup({ cacheSeconds: 300 });
    const { handle } = await a.sessions.issueHandle("session:alice", 60);
    for (let i = 0; i < 10; i++) {
      expect(await b.sessions.resolveHandle(handle)).toBe("session:alice");
    }
    expect(b.keys).toHaveBeenCalledTimes(1);
    advance(60_000);
    await expect(b.sessions.resolveHandle(handle)).rejects.toMatchObject({ code: "forbidden" });
  });
});
