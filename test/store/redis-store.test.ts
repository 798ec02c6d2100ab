import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { openRedisStore } from "../../src/store/redis-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";
import { describeStoreContract } from "./_contract.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
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
    expect((err as Error).message).not.toContain("..");
  });

  it("works under Deno too: reads Node's sealed value, writes back, locks and publishes", async () => {
    const line = generateMasterKeyLine();
    const ring = parseMasterKeys(line);
    const node = await openRedisStore(redis.url);
    const vault = createVault(node, ring);
    await vault.put("tokens:o2:epic", { access_token: "from-node" }, { ttlMs: 60_000 });
    const heard: string[] = [];
    const stop = await node.subscribe("auth:o2:epic", (m) => heard.push(m));
    const { stdout } = await run("npx", [
      "deno",
      "run",
      "--allow-net=127.0.0.1",
      `--allow-read=${repo}`,
      "--allow-env=FHIR_GATEWAY_MASTER_KEY",
      "test/fixtures/redis-deno-peer.ts",
      redis.url,
      "tokens:o2:epic",
      "tokens:o2:cerner",
      "auth:o2:epic",
    ], { cwd: repo, env: { ...process.env, FHIR_GATEWAY_MASTER_KEY: line }, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      read: { access_token: "from-node" },
      locked: "locked",
    });
    expect(await vault.get("tokens:o2:cerner")).toEqual({ writtenBy: "deno" });
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual(["completed-by-deno"]);
    await stop();
    await node.close();
  });
});
