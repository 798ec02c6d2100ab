import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.ts";
import { createLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { openStore } from "../../src/store/open-store.ts";
import { type FhirPeer, freePort, startFhirPeer } from "../peers/fhir-server.ts";

// The command line as src/cli.ts runs it (runCli with the process's argv and environment),
// mostly in this process to keep the suite quick; child processes where the process itself
// is the subject: exit status, tenants import's child, serve and its SIGTERM, Deno. One FHIR
// peer (the Medplum engine) stands in for a configured platform.
const root = new URL("../..", import.meta.url).pathname;
let peer: FhirPeer;
let tmp: string;
beforeAll(async () => {
  peer = await startFhirPeer({ seed: false });
  tmp = await mkdtemp(join(tmpdir(), "fhir-gateway-cli-"));
});
afterAll(async () => {
  await peer?.close();
  await rm(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  runtime = "node",
): Promise<Run> {
  const argv = runtime === "deno"
    ? [
      join(root, "node_modules/.bin/deno"),
      [
        "run",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        `--allow-write=${tmp}`,
        "src/cli.ts",
        ...args,
      ],
    ] as const
    : [process.execPath, ["--import", "tsx", "src/cli.ts", ...args]] as const;
  const child = spawn(argv[0], [...argv[1]], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      FHIR_GATEWAY_DATA_DIR: join(tmp, "data"),
      FHIR_GATEWAY_PLATFORMS_DIR: "",
      FHIR_GATEWAY_MASTER_KEY: "",
      FHIR_GATEWAY_ENV: "",
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += String(d)));
  child.stderr.on("data", (d) => (stderr += String(d)));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** The settings every run starts from: a data dir of the test's own, nothing inherited. */
const baseEnv = () => ({
  FHIR_GATEWAY_DATA_DIR: join(tmp, "data"),
  FHIR_GATEWAY_PLATFORMS_DIR: "",
  FHIR_GATEWAY_MASTER_KEY: "",
  FHIR_GATEWAY_ENV: "",
});

/**
 * Runs the CLI in this process (as src/cli.ts does, minus the exit), with `env` laid over
 * the environment for the run: the same code path as a child process, without starting one.
 */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, baseEnv(), env);
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    out.push(String(c));
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
    err.push(String(c));
    return true;
  });
  try {
    const code = await runCli(["node", "fhir-gateway", ...args]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
const inProcess = cli;

describe("fhir-gateway", { timeout: 180_000 }, () => {
  it("answers --help on every command, with the exit codes on the top level", async () => {
    const commands = [
      [],
      ["serve"],
      ["demo"],
      ["platforms"],
      ["platforms", "list"],
      ["platforms", "show"],
      ["platforms", "validate"],
      ["platforms", "verify"],
      ["platforms", "new"],
      ["tenants"],
      ["tenants", "import"],
      ["keys"],
      ["keys", "generate"],
      ["keys", "rotate"],
      ["keys", "reseal"],
      ["api-keys"],
      ["api-keys", "create"],
      ["api-keys", "list"],
      ["api-keys", "revoke"],
      ["doctor"],
    ];
    for (const command of commands) {
      const run = await inProcess([...command, "--help"]);
      expect(run.code, command.join(" ")).toBe(0);
      expect(run.stdout).toContain(`Usage: fhir-gateway ${command.join(" ")}`.trimEnd());
    }
    expect((await inProcess(["--help"])).stdout).toMatch(/Exit codes:\n {2}0 {2}done/);
  });

  it("refuses unknown flags, unknown commands and extra arguments with exit code 2", async () => {
    const flag = await inProcess(["platforms", "list", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--colour'");
    const command = await inProcess(["platfroms"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'platfroms'");
    expect((await inProcess(["platforms", "show", "local", "extra"])).code).toBe(2);
    expect((await inProcess(["keys", "generate", "--json", "x"])).code).toBe(2);
    const value = await cli(["platforms", "list", "--type", "hospital"]);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain("--type must be one of");
  });

  it("exits 3 on invalid settings, naming the variable (a real process and its exit status)", async () => {
    const run = await spawnCli(["platforms", "list"], { FHIR_GATEWAY_PORT: "eighty" });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('FHIR_GATEWAY_PORT="eighty"');
  });

  it("runs as the package bin: npx fhir-gateway", async () => {
    const child = spawn("npx", ["--no-install", "fhir-gateway", "--version"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    const code = await new Promise((r) => child.once("close", r));
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("lists and shows platforms as JSON, never a credential value", async () => {
    const secret = "cli-test-client-secret-value";
    const env = {
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_PLATFORM_HAPI_LOCAL_CLIENT_SECRET: secret,
    };
    const list = await cli(["platforms", "list", "--json", "--type", "sandbox"], env);
    const show = await cli(["platforms", "show", "hapi", "--json"], env);
    const text = await cli(["platforms", "show", "local"], env);
    expect(list.code).toBe(0);
    const platforms = JSON.parse(list.stdout) as Array<
      { id: string; type: string; fhir_base_url: string }
    >;
    expect(platforms.every((p) => p.type === "sandbox")).toBe(true);
    expect(platforms.find((p) => p.id === "local")?.fhir_base_url).toBe(peer.baseUrl);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      id: "hapi-local",
      client_secret_configured: true,
    });
    expect(show.stdout + show.stderr).not.toContain(secret);
    expect(text.stdout).toContain("id: local");
  });

  it("platforms new writes a file the gateway's loader accepts, and will not overwrite it", async () => {
    const dir = join(tmp, "new-platforms");
    const made = await cli(["platforms", "new", "acme-ehr", "--dir", dir, "--name", "Acme EHR"]);
    expect(made.code, made.stderr).toBe(0);
    const file = JSON.parse(await readFile(join(dir, "acme-ehr.json"), "utf8"));
    expect(file).toMatchObject({ id: "acme-ehr", name: "Acme EHR", status: "needs-registration" });
    const validate = await cli(["platforms", "validate", "--json"], {
      FHIR_GATEWAY_PLATFORMS_DIR: dir,
    });
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, problems: [] });
    const again = await cli(["platforms", "new", "acme-ehr", "--dir", dir]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("exists");
    const taken = await cli(["platforms", "new", "epic", "--dir", dir]);
    expect(taken.code).toBe(4);
    const bad = await cli(["platforms", "new", "Not_An_Id", "--stdout"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("lower-case letters, digits and -");
  });

  it("platforms validate exits 1 naming the broken file and field", async () => {
    const dir = join(tmp, "broken");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "broken.json"),
      JSON.stringify({ id: "broken", name: "B", type: "clinic" }),
    );
    const run = await cli(["platforms", "validate", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken\.json: type: /);
  });

  it("platforms verify prints one plain progress line per platform when not on a terminal", async () => {
    const env = { FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl };
    const unused = `http://127.0.0.1:${await freePort()}/fhir`;
    const run = await cli(["platforms", "verify", "--only", "local", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^1\/1 local reachable \d+ ms$/m);
    expect(run.stderr).not.toContain("\r");
    const report = JSON.parse(run.stdout);
    expect(report.results[0]).toMatchObject({
      id: "local",
      reachable: true,
      fhir_version: "4.0.1",
    });
    const down = await cli([
      "platforms",
      "verify",
      "--only",
      "local",
      "--strict",
      "--timeout",
      "3000",
    ], {
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: unused,
    });
    expect(down.code).toBe(1);
    expect(down.stdout).toContain("0 reachable, 1 not");
  });

  it("keys generate prints a valid key line; rotate keeps the old keys after the new one", async () => {
    const generated = await cli(["keys", "generate"]);
    expect(generated.code).toBe(0);
    const oldLine = generated.stdout.trim();
    expect(parseMasterKeys(oldLine).keys).toHaveLength(1);
    const rotated = await cli(["keys", "rotate", "--json"], { FHIR_GATEWAY_MASTER_KEY: oldLine });
    expect(rotated.code).toBe(0);
    const out = JSON.parse(rotated.stdout) as { setting: string; kids: string[]; new_kid: string };
    const ring = parseMasterKeys(out.setting).keys.map((k) => k.id);
    expect(ring).toEqual([out.new_kid, oldLine.split(":")[0]]);
    const bad = await cli(["keys", "rotate"], { FHIR_GATEWAY_MASTER_KEY: "kid:not-32-bytes" });
    expect(bad.code).toBe(3);
    expect(bad.stderr + bad.stdout).not.toContain("not-32-bytes");
  });

  it("keys reseal moves stored values to the newest key after a rotation", async () => {
    const oldLine = generateMasterKeyLine(new Date("2026-01-01"));
    const newLine = generateMasterKeyLine(new Date("2026-06-01"));
    const dataDir = join(tmp, "reseal");
    const settings = { store: "kv" as const, dataDir, production: false, masterKey: oldLine };
    const before = await openStore(settings, createLogger("silent"));
    await before.vault.put("session:one", { a: 1 });
    await before.vault.put("tokens:two", { b: 2 });
    await before.store.close();
    const env = { FHIR_GATEWAY_MASTER_KEY: `${newLine},${oldLine}`, FHIR_GATEWAY_STORE: "kv" };
    const first = await cli(["keys", "reseal", "--json"], {
      ...env,
      FHIR_GATEWAY_DATA_DIR: dataDir,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ store: "kv", resealed: 2, failed: 0 });
    const again = await cli(["keys", "reseal"], { ...env, FHIR_GATEWAY_DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 resealed, 2 already current");
    // Only the new key now opens them.
    const after = await openStore({ ...settings, masterKey: newLine }, createLogger("silent"));
    expect(await after.vault.get("tokens:two")).toEqual({ b: 2 });
    await after.store.close();
  });

  it("api-keys create prints a key once; list shows it without the secret; revoke ends it", async () => {
    const env = { FHIR_GATEWAY_DATA_DIR: join(tmp, "api-keys"), FHIR_GATEWAY_STORE: "kv" };
    const created = await cli(
      ["api-keys", "create", "--person", "user:local:alice", "--platforms", "local"],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const key = /^fgw_key_\S+$/m.exec(created.stdout)?.[0];
    expect(key).toBeDefined();
    const listed = await cli(["api-keys", "list", "--json"], env);
    const keys = JSON.parse(listed.stdout) as Array<
      { id: string; person: string; platforms: string[] }
    >;
    expect(keys).toMatchObject([{ person: "user:local:alice", platforms: ["local"] }]);
    expect(listed.stdout).not.toContain(key!.split("_").at(-1));
    expect((await cli(["api-keys", "revoke", keys[0]!.id], env)).code).toBe(0);
    expect(JSON.parse((await cli(["api-keys", "list", "--json"], env)).stdout)).toEqual([]);
    expect((await cli(["api-keys", "revoke", keys[0]!.id], env)).code).toBe(1);
    expect((await cli(["api-keys", "create", "--person", "nobody"], env)).code).toBe(2);
  });

  it("doctor passes a sound development setup and probes the configured platform", async () => {
    const run = await cli(["doctor"], {
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_STORE: "kv",
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^ok {4}store: kv opens/m);
    expect(run.stdout).toMatch(/^ok {4}platform local: .* answers \/metadata/m);
    expect(run.stdout).toMatch(/^ok {4}redirect URI: http:\/\/localhost:8787\/auth\/callback/m);
  });

  it("doctor exits 1 and says what to fix in a broken production setup", async () => {
    const run = await cli(["doctor", "--json"], {
      FHIR_GATEWAY_ENV: "production",
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: `http://127.0.0.1:${await freePort()}/fhir`,
    });
    expect(run.code).toBe(1);
    const { ok, findings } = JSON.parse(run.stdout) as {
      ok: boolean;
      findings: Array<{ check: string; status: string; fix?: string }>;
    };
    expect(ok).toBe(false);
    const byCheck = Object.fromEntries(findings.map((f) => [f.check, f]));
    expect(byCheck["master key"]).toMatchObject({ status: "fail" });
    expect(byCheck["master key"]!.fix).toContain("keys generate");
    expect(byCheck["redirect URI"]).toMatchObject({ status: "fail" });
    expect(byCheck["redirect URI"]!.fix).toContain("FHIR_GATEWAY_PUBLIC_URL");
    expect(byCheck["platform local"]).toMatchObject({ status: "fail" });
    expect(byCheck.metrics).toMatchObject({ status: "warn" });
  });

  it("tenants import runs the importer (a child of the same runtime) with progress; exits 1 when it fails", async () => {
    const out = join(tmp, "cerner-tenants.json");
    const fixture = join(root, "test/fixtures/brands/oracle-health-endpoints.json");
    const run = await spawnCli(["tenants", "import", "cerner", fixture, "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('importing tenants of "cerner" from 1 source(s)');
    expect(run.stderr).toMatch(/done in [\d.]+ s/);
    expect(JSON.parse(await readFile(out, "utf8")).tenants.length).toBeGreaterThan(0);
    const missing = await spawnCli([
      "tenants",
      "import",
      "cerner",
      join(tmp, "no-such-bundle.json"),
    ]);
    expect(missing.code).toBe(1);
  });

  it("serve starts the gateway on --port and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [
      "--import",
      "tsx",
      "src/cli.ts",
      "serve",
      "--port",
      String(port),
    ], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        FHIR_GATEWAY_STORE: "memory",
        FHIR_GATEWAY_DATA_DIR: join(tmp, "serve"),
      },
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const deadline = Date.now() + 90_000;
    let health: Response | undefined;
    while (!health && Date.now() < deadline && child.exitCode === null) {
      health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (!health) await new Promise((r) => setTimeout(r, 200));
    }
    expect(health?.status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false)).toBe(
      false,
    );
  });

  it("runs under Deno: `deno run ... src/cli.ts`", async () => {
    const run = await spawnCli(["platforms", "list", "--json", "--status", "active"], {}, "deno");
    expect(run.code, run.stderr).toBe(0);
    const list = JSON.parse(run.stdout) as Array<{ status: string }>;
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((p) => p.status === "active")).toBe(true);
    const flag = await spawnCli(["doctor", "--bogus"], {}, "deno");
    expect(flag.code).toBe(2);
  });
});
