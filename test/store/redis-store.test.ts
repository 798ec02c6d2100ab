import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { openRedisStore } from "../../src/store/redis-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";
import { describeStoreContract } from "./_contract.ts";

let redis: RedisPeer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describeStoreContract("redis", () => ({ open: () => openRedisStore(redis.url) }));

describe("redis store", () => {
  it("keeps sealed sessions across a store restart", async () => {
    const ring = parseMasterKeys(generateMasterKeyLine());
    const first = await openRedisStore(redis.url);
    await createVault(first, ring).put("tokens:o1:epic", { access_token: "a1" }, {
      ttlMs: 60_000,
    });
    await first.close();
    const second = await openRedisStore(redis.url);
    expect(await createVault(second, ring).get("tokens:o1:epic")).toEqual({ access_token: "a1" });
    await second.close();
  });

  it("fails start-up with a clear message, without the password, when Redis is unreachable", async () => {
    const err = await openRedisStore("redis://:hunter2@127.0.0.1:1", { connectAttempts: 1 })
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Could not connect to Redis at FHIR_GATEWAY_REDIS_URL/);
    expect((err as Error).message).not.toContain("hunter2");
  });
});
