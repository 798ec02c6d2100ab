/**
 * The one contract every KeyValueStore backend passes: the same assertions for memory, Deno KV
 * and Redis. `open()` returns a new store on the SAME backing data (same memory space, KV file
 * or Redis server), so two stores behave like two gateway instances.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { KeyValueStore } from "../../src/store/types.ts";

/** How a backend's suite opens instances on shared data. */
export interface ContractBackend {
  open(): Promise<KeyValueStore>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the contract tests for one backend. */
export function describeStoreContract(label: string, backend: () => ContractBackend): void {
  describe(`${label} store contract`, () => {
    const opened: KeyValueStore[] = [];
    const open = async () => {
      const store = await backend().open();
      opened.push(store);
      return store;
    };
    // Each test writes under its own prefix: the backing data is shared across tests.
    const ns = () => `t${crypto.randomUUID().slice(0, 8)}:`;
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => {});
    });

    it("stores, reads and deletes binary values", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      const bytes = Uint8Array.of(0, 1, 2, 127, 128, 255);
      await a.set(`${p}k`, bytes);
      expect(await b.get(`${p}k`)).toEqual(bytes);
      expect(await a.get(`${p}missing`)).toBeUndefined();
      await b.set(`${p}k`, Uint8Array.of(9));
      expect(await a.get(`${p}k`)).toEqual(Uint8Array.of(9));
      await b.delete(`${p}k`);
      expect(await a.get(`${p}k`)).toBeUndefined();
    });

    it("removes a value once its ttl has passed", async () => {
      const [a, p] = [await open(), ns()];
      // Timed on the real clock (Redis expires by it): the value is checked before its expiry
      // only when the machine got there in time, and after it only once the clock has passed it.
      const ttlMs = 1_000;
      const t0 = Date.now();
      await a.set(`${p}short`, Uint8Array.of(1), { ttlMs });
      await a.set(`${p}long`, Uint8Array.of(2), { ttlMs: 60_000 });
      const early = await a.get(`${p}short`);
      if (Date.now() - t0 < ttlMs * 0.8) expect(early).toEqual(Uint8Array.of(1));
      await sleep(Math.max(0, t0 + ttlMs + 150 - Date.now()));
      expect(await a.get(`${p}short`)).toBeUndefined();
      expect(await a.take(`${p}short`)).toBeUndefined();
      expect(await a.list(p)).toEqual([`${p}long`]);
      // Setting again without a ttl keeps the value for good.
      await a.set(`${p}long`, Uint8Array.of(3));
      expect(await a.get(`${p}long`)).toEqual(Uint8Array.of(3));
    });

    it("take hands a value to exactly one of many concurrent callers", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      await a.set(`${p}state`, Uint8Array.of(42));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).take(`${p}state`)),
      );
      expect(results.filter((r) => r !== undefined)).toEqual([Uint8Array.of(42)]);
      expect(await a.get(`${p}state`)).toBeUndefined();
    });

    it("lists keys by prefix, literally", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      for (const k of ["a:1", "a:2", "ab:3", "b:1", "x*y:1", "xzy:1"]) {
        await a.set(p + k, Uint8Array.of(1));
      }
      expect((await b.list(`${p}a:`)).sort()).toEqual([`${p}a:1`, `${p}a:2`]);
      expect((await b.list(`${p}x*`)).sort()).toEqual([`${p}x*y:1`]);
      expect(await b.list(`${p}none`)).toEqual([]);
    });

    it("withLock lets one caller at a time in, across instances", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      let active = 0;
      let most = 0;
      const order: number[] = [];
      const runs = Array.from(
        { length: 6 },
        (_, i) =>
          (i % 2 ? a : b).withLock(`${p}refresh`, 5_000, async () => {
            active++;
            most = Math.max(most, active);
            await sleep(15);
            order.push(i);
            active--;
            return i;
          }),
      );
      expect((await Promise.all(runs)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(most).toBe(1);
      expect(order).toHaveLength(6);
    });

    it("withLock frees the lock when fn throws, and when its holder dies", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      await expect(a.withLock(`${p}l`, 5_000, () => Promise.reject(new Error("boom"))))
        .rejects.toThrow("boom");
      const started = Date.now();
      expect(await b.withLock(`${p}l`, 5_000, () => Promise.resolve("next"))).toBe("next");
      expect(Date.now() - started).toBeLessThan(1_000);
      // A holder whose instance goes away stops renewing: its lock ends after the ttl.
      let release!: () => void;
      let lost: AbortSignal | undefined;
      const dead = await open();
      const hung = dead.withLock(`${p}h`, 300, ({ signal }) => {
        lost = signal;
        return new Promise<void>((r) => (release = r));
      });
      while (!lost) await sleep(5);
      await dead.close();
      const t0 = Date.now();
      await b.withLock(`${p}h`, 5_000, () => Promise.resolve());
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(lost.aborted).toBe(true);
      release();
      await hung;
    });

    it("withLock is renewed while its work runs longer than the ttl", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      const events: string[] = [];
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      // Renewed every ttl/3: only an event-loop stall longer than the ttl could break this.
      const long = a.withLock(`${p}slow`, 1_000, async ({ signal }) => {
        entered();
        await sleep(3_000); // three ttls: without renewal b would get in meanwhile
        events.push(signal.aborted ? "a lost the lock" : "a done");
      });
      await inside;
      await b.withLock(`${p}slow`, 1_000, () => Promise.resolve(events.push("b in")));
      await long;
      expect(events).toEqual(["a done", "b in"]);
    });

    it("setIf writes only over the version read, across instances", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      expect(await a.getVersioned(`${p}k`)).toBeUndefined();
      expect(await a.setIf(`${p}k`, null, Uint8Array.of(1))).toBe(true);
      expect(await b.setIf(`${p}k`, null, Uint8Array.of(9))).toBe(false);
      const seenByA = (await a.getVersioned(`${p}k`))!;
      const seenByB = (await b.getVersioned(`${p}k`))!;
      expect(seenByA.value).toEqual(Uint8Array.of(1));
      expect(seenByA.version).toBe(seenByB.version);
      expect(await a.setIf(`${p}k`, seenByA.version, Uint8Array.of(2), { ttlMs: 60_000 })).toBe(
        true,
      );
      // b read the same version, but a wrote first: b's write is refused.
      expect(await b.setIf(`${p}k`, seenByB.version, Uint8Array.of(3))).toBe(false);
      const now = (await b.getVersioned(`${p}k`))!;
      expect(now.value).toEqual(Uint8Array.of(2));
      expect(now.version).not.toBe(seenByA.version);
      expect(now.expiresAt! - Date.now()).toBeGreaterThan(50_000);
      expect(now.expiresAt! - Date.now()).toBeLessThanOrEqual(60_000);
      // A plain set of other bytes changes the version too.
      await a.set(`${p}k`, Uint8Array.of(5));
      expect(await b.setIf(`${p}k`, now.version, Uint8Array.of(4))).toBe(false);
    });

    it("setIf loses no update when many instances read-modify-write at once", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      const bump = async (s: KeyValueStore) => {
        for (;;) {
          const current = await s.getVersioned(`${p}n`);
          const n = current ? current.value[0]! : 0;
          if (await s.setIf(`${p}n`, current?.version ?? null, Uint8Array.of(n + 1))) return;
        }
      };
      await Promise.all(Array.from({ length: 12 }, (_, i) => bump(i % 2 ? a : b)));
      expect(await a.get(`${p}n`)).toEqual(Uint8Array.of(12));
    });

    it("increment counts atomically across instances, apart from values", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      const counts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).increment(`${p}hits`, 60_000)),
      );
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await a.get(`${p}hits`)).toBeUndefined();
      expect(await a.increment(`${p}other`, 60_000)).toBe(1);
    });

    it("increment's window starts at the first hit; later hits do not extend it", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      const windowMs = 1_000;
      const t0 = Date.now();
      expect(await a.increment(`${p}w`, windowMs)).toBe(1);
      await sleep(600);
      const t1 = Date.now();
      const second = await b.increment(`${p}w`, windowMs);
      if (t1 - t0 < windowMs) expect(second).toBe(2);
      await sleep(Math.max(0, t0 + windowMs + 150 - Date.now()));
      const third = await a.increment(`${p}w`, windowMs);
      // Had the second hit extended the window, it would still run until t1 + windowMs.
      if (Date.now() < t1 + windowMs) expect(third).toBe(1);
      expect(third).toBeLessThanOrEqual(2);
    });

    it("ping answers ok while the backend is up", async () => {
      const health = await (await open()).ping();
      expect(health.ok).toBe(true);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it("publish reaches subscribers on another instance, until they unsubscribe", async () => {
      const [a, b, p] = [await open(), await open(), ns()];
      const got: string[] = [];
      let arrived!: () => void;
      const first = new Promise<void>((r) => (arrived = r));
      const stop = await b.subscribe(`${p}auth`, (m) => {
        got.push(m);
        arrived();
      });
      const other: string[] = [];
      const stopOther = await b.subscribe(`${p}other`, (m) => other.push(m));
      await a.publish(`${p}auth`, "completed:epic");
      await Promise.race([first, sleep(3_000)]);
      expect(got).toEqual(["completed:epic"]);
      expect(other).toEqual([]);
      await stop();
      await stopOther();
      await a.publish(`${p}auth`, "after-unsubscribe");
      await sleep(400);
      expect(got).toEqual(["completed:epic"]);
    });
  });
}
