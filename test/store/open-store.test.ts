import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { generateMasterKeyLine } from "../../src/store/master-keys.ts";
import { openStore, type StoreConfig } from "../../src/store/open-store.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";

let dir: string;
let redis: RedisPeer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gw-open-"));
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const logs: string[] = [];
const log = createLogger("debug", (line) => logs.push(line));
const config = (over: Partial<StoreConfig>): StoreConfig => ({
  store: "kv",
  dataDir: join(dir, "data"),
  production: false,
  ...over,
});

describe("openStore", () => {
  it("defaults to Deno KV in the data directory with a development key, and reopens it", async () => {
    const first = await openStore(config({}), log);
    expect(first.store.name).toBe("kv");
    await first.vault.put("tokens:o:p", { ok: 1 });
    await first.store.close();
    await stat(join(dir, "data", "gateway.kv"));
    const key = (await readFile(join(dir, "data", "master.key"), "utf8")).trim();
    const second = await openStore(config({}), log);
    expect(await second.vault.get("tokens:o:p")).toEqual({ ok: 1 });
    await second.store.close();
    expect(logs.join("\n")).not.toContain(key.split(":")[1]);
    expect(logs.join("\n")).toContain('"kids":["' + key.split(":")[0]);
  });

  it("opens Redis with a configured key", async () => {
    const line = generateMasterKeyLine();
    const opened = await openStore(
      config({ store: "redis", redisUrl: redis.url, masterKey: line, production: true }),
      log,
    );
    expect(opened.store.name).toBe("redis");
    await opened.vault.put("tokens:o:p", { ok: 2 });
    expect(await opened.vault.get("tokens:o:p")).toEqual({ ok: 2 });
    await opened.store.close();
    expect(logs.join("\n")).not.toContain(line.split(":")[1]);
  });

  it("refuses production without a master key before opening any store", async () => {
    const dataDir = join(dir, "prod");
    await expect(openStore(config({ dataDir, production: true }), log)).rejects.toThrow(
      /FHIR_GATEWAY_MASTER_KEY is not set/,
    );
    await expect(stat(join(dataDir, "gateway.kv"))).rejects.toThrow();
  });

  it("opens the memory store on request", async () => {
    const opened = await openStore(
      config({ store: "memory", masterKey: generateMasterKeyLine() }),
      log,
    );
    expect(opened.store.name).toBe("memory");
    await opened.store.close();
  });
});
