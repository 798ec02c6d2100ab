/**
 * Key rotation (issue 9): seal with key A, add key B as the newest, run the reseal script,
 * drop A: everything still opens, with its expiry kept. On a real Deno KV file and a real
 * redis-server, through the script's own command line as an operator runs it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openKvStore } from "../../src/store/kv-store.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { kvFileName } from "../../src/store/open-store.ts";
import { openRedisStore } from "../../src/store/redis-store.ts";
import { resealVault } from "../../src/store/reseal.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { KeyValueStore } from "../../src/store/types.ts";
import { createVault } from "../../src/store/vault.ts";
import { VaultError } from "../../src/store/vault-error.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
const [keyA, keyB, keyC] = [
  generateMasterKeyLine(),
  generateMasterKeyLine(),
  generateMasterKeyLine(),
];
const values: Record<string, unknown> = {
  "tokens:session:o1:epic": { accessToken: "a1", refreshToken: "r1" },
  "session:abc": { owner: "session:o1", touchedAt: 1 },
  "logins:session:o1": { platforms: ["epic"] },
};

/** Seals `values` with key A (plus one value under a key nobody has, and store-only data). */
async function seed(store: KeyValueStore) {
  const vaultA = createVault(store, parseMasterKeys(keyA));
  for (const [k, v] of Object.entries(values)) {
    await vaultA.put(k, v, k.startsWith("tokens:") ? { ttlMs: 3_600_000 } : undefined);
  }
  await createVault(store, parseMasterKeys(keyC)).put("tokens:session:o2:epic", { lost: true });
  await store.increment("ratelimit:x", 60_000);
  await store.set("raw:not-sealed", Uint8Array.of(0, 1, 2));
}

async function expectOpensWithBOnly(store: KeyValueStore) {
  const vaultB = createVault(store, parseMasterKeys(keyB));
  for (const [k, v] of Object.entries(values)) expect(await vaultB.get(k)).toEqual(v);
  const tokens = await vaultB.getVersioned("tokens:session:o1:epic");
  expect(tokens!.expiresAt! - Date.now()).toBeGreaterThan(3_000_000);
  expect(await store.get("raw:not-sealed")).toEqual(Uint8Array.of(0, 1, 2));
}

describe("resealVault", () => {
  it("moves every value to the newest key, keeps expiry, is idempotent, and reports what fails", async () => {
    const store = createMemoryStore();
    await seed(store);
    const rotated = createVault(store, parseMasterKeys(`${keyB},${keyA}`));
    expect(await resealVault(rotated)).toEqual({
      scanned: 5,
      resealed: 3,
      current: 0,
      skipped: 1,
      failed: 1,
      failedByKind: { tokens: 1 },
    });
    expect(await resealVault(rotated)).toMatchObject({ resealed: 0, current: 3, failed: 1 });
    await expectOpensWithBOnly(store);
    // The value no configured key opens is left as it was.
    await expect(createVault(store, parseMasterKeys(keyC)).get("tokens:session:o2:epic"))
      .resolves.toEqual({ lost: true });
    await expect(createVault(store, parseMasterKeys(keyA)).get("tokens:session:o1:epic"))
      .rejects.toBeInstanceOf(VaultError);
  });
});

describe("scripts/reseal-vault.ts", () => {
  let dir: string;
  let redis: RedisPeer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gw-reseal-"));
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const reseal = async (env: Record<string, string>) => {
    const result = await run("npx", ["tsx", "scripts/reseal-vault.ts"], {
      cwd: repo,
      env: { ...process.env, FHIR_GATEWAY_MASTER_KEY: `${keyB},${keyA}`, ...env },
      timeout: 60_000,
    }).catch((err: { stdout: string; code: number }) => err);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    return { report, exitCode: "code" in result ? result.code : 0 };
  };

  it.each(["kv", "redis"] as const)(
    "re-seals a %s store, after which key A can go",
    async (kind) => {
      const open = () =>
        kind === "kv"
          ? openKvStore(join(dir, kvFileName))
          : openRedisStore(redis.url, { prefix: "fhir-gateway:" });
      const env: Record<string, string> = kind === "kv"
        ? { FHIR_GATEWAY_STORE: "kv", FHIR_GATEWAY_DATA_DIR: dir }
        : { FHIR_GATEWAY_STORE: "redis", FHIR_GATEWAY_REDIS_URL: redis.url };
      const seeded = await open();
      await seed(seeded);
      await seeded.close();

      const first = await reseal(env);
      expect(first.report).toMatchObject({ store: kind, resealed: 3, failed: 1 });
      expect(first.exitCode).toBe(1); // one value opens with no configured key
      const second = await reseal(env);
      expect(second.report).toMatchObject({ resealed: 0, current: 3, failed: 1 });

      const after = await open();
      try {
        await expectOpensWithBOnly(after);
      } finally {
        await after.close();
      }
    },
  );
});
