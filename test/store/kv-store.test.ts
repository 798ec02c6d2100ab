import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openKvStore } from "../../src/store/kv-store.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createVault } from "../../src/store/vault.ts";
import { describeStoreContract } from "./_contract.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gw-kv-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStoreContract("kv", () => ({ open: () => openKvStore(join(dir, "contract.kv")) }));

describe("kv store", () => {
  it("keeps sealed sessions across closing and reopening the file", async () => {
    const ring = parseMasterKeys(generateMasterKeyLine());
    const path = join(dir, "restart.kv");
    const first = await openKvStore(path);
    await createVault(first, ring).put("tokens:o1:epic", { access_token: "a1" }, {
      ttlMs: 60_000,
    });
    await first.close();
    const second = await openKvStore(path);
    expect(await createVault(second, ring).get("tokens:o1:epic")).toEqual({ access_token: "a1" });
    await second.close();
  });

  it("opens a file written under Node with Deno, and hears Deno's publish by polling", async () => {
    const line = generateMasterKeyLine();
    const ring = parseMasterKeys(line);
    const path = join(dir, "cross-runtime.kv");
    const node = await openKvStore(path, { pollMs: 50 });
    const vault = createVault(node, ring);
    await vault.put("tokens:o1:epic", { access_token: "from-node", scopes: ["openid"] });
    const heard: string[] = [];
    // Another process's write is invisible to KV watch: this proves the poll fallback works.
    const stop = await node.subscribe("auth:o1:epic", (m) => heard.push(m));

    const { stdout } = await run("npx", [
      "deno",
      "run",
      `--allow-read=${repo},${dir}`,
      `--allow-write=${dir}`,
      "--allow-env=FHIR_GATEWAY_MASTER_KEY",
      "test/fixtures/kv-deno-peer.ts",
      path,
      "tokens:o1:epic",
      "tokens:o1:cerner",
      "auth:o1:epic",
    ], { cwd: repo, env: { ...process.env, FHIR_GATEWAY_MASTER_KEY: line }, timeout: 60_000 });

    const fromDeno = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(fromDeno.read).toEqual({ access_token: "from-node", scopes: ["openid"] });
    expect(fromDeno.keys).toEqual(["tokens:o1:cerner", "tokens:o1:epic"]);
    expect(fromDeno.heard).toEqual(["completed-by-deno"]);
    expect(await vault.get("tokens:o1:cerner")).toMatchObject({ writtenBy: "deno" });
    const deadline = Date.now() + 2_000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual(["completed-by-deno"]);
    await stop();
    await node.close();
  });
});
