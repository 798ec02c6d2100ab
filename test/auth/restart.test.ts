import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthStatus } from "../../src/auth/types.ts";
import { openKvStore } from "../../src/store/kv-store.ts";
import { openRedisStore } from "../../src/store/redis-store.ts";
import type { KeyValueStore } from "../../src/store/types.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type RedisPeer, startRedisServer } from "../peers/redis-server.ts";
import { type AuthWorld, login, pid, startAuthWorld } from "./_world.ts";

interface Backend {
  name: string;
  setup(): Promise<(now: () => number) => Promise<KeyValueStore>>;
  teardown(): Promise<void>;
}

let dir = "";
let redis: RedisPeer | undefined;
const backends: Backend[] = [
  {
    name: "Deno KV file",
    async setup() {
      dir = await mkdtemp(join(tmpdir(), "gw-auth-kv-"));
      return (now) => openKvStore(join(dir, "gateway.kv"), { now });
    },
    teardown: () => rm(dir, { recursive: true, force: true }),
  },
  {
    name: "Redis",
    async setup() {
      redis = await startRedisServer();
      return () => openRedisStore(redis!.url);
    },
    teardown: async () => await redis?.stop(),
  },
];

describe.each(backends)("a login in the $name store", (backend) => {
  let world: AuthWorld;
  beforeAll(async () => {
    world = await startAuthWorld({ openStore: await backend.setup() });
  });
  afterAll(async () => {
    await world?.close();
    await backend.teardown();
  });

  it("survives a gateway restart: same cookie, same tokens, no new login", async () => {
    const http = world.client();
    expect((await login(world, http)).status).toBe(200);
    const grants = world.tokenGrants.length;
    await world.restart();
    const status = await http.fetch(`${world.gateway}/auth/${pid}/status`);
    expect(await status.json() as AuthStatus).toMatchObject({
      state: "active",
      patient: JOHNNIE_ID,
    });
    const read = await http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect(read.status).toBe(200);
    expect(world.tokenGrants.length).toBe(grants);
    const health = await (await http.fetch(`${world.gateway}/health`)).json();
    expect(health).toMatchObject({ store: world.store.name });
  });

  it("refreshes once for concurrent calls at expiry through the store's lock", async () => {
    const http = world.client();
    expect((await login(world, http)).status).toBe(200);
    world.advance(3600_000);
    const grants = world.tokenGrants.length;
    const answers = await Promise.all(
      Array.from(
        { length: 4 },
        () => http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(world.tokenGrants.slice(grants)).toEqual(["refresh_token"]);
  });
});
