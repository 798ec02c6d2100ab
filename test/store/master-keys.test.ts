import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import {
  generateMasterKeyLine,
  loadMasterKeys,
  parseMasterKeys,
} from "../../src/store/master-keys.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "gw-keys-"));
  dirs.push(d);
  return d;
};
const capture = () => {
  const lines: string[] = [];
  return { lines, log: createLogger("debug", (line) => lines.push(line)) };
};

describe("parseMasterKeys", () => {
  it("reads kid:key entries newest first", () => {
    const a = generateMasterKeyLine();
    const b = generateMasterKeyLine();
    const ring = parseMasterKeys(`${b}, ${a}`);
    expect(ring.keys.map((k) => k.id)).toEqual([b.split(":")[0], a.split(":")[0]]);
    expect(ring.keys[0].bytes.length).toBe(32);
  });

  it('accepts one bare key as id "default"', () => {
    const bare = generateMasterKeyLine().split(":")[1]!;
    expect(parseMasterKeys(bare).keys[0].id).toBe("default");
  });

  it("rejects a short key naming the variable without echoing the key", () => {
    const short = "k1:" + "A".repeat(20);
    const err = (() => {
      try {
        parseMasterKeys(short);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toContain("FHIR_GATEWAY_MASTER_KEY");
    expect(err?.message).toContain('"k1"');
    expect(err?.message).not.toContain("A".repeat(20));
  });

  it("rejects duplicate ids, bad ids, missing ids among several, and non-base64", () => {
    const key = generateMasterKeyLine().split(":")[1]!;
    expect(() => parseMasterKeys(`k1:${key},k1:${key}`)).toThrow(/appears twice/);
    expect(() => parseMasterKeys(`k 1:${key}`)).toThrow(/invalid key id/);
    expect(() => parseMasterKeys(`${key},k2:${key}`)).toThrow(/no key id/);
    expect(() => parseMasterKeys(`k1:${key.slice(0, -2)}!!`)).toThrow(/not 32 bytes/);
    expect(() => parseMasterKeys(" , ")).toThrow(/empty/);
  });
});

describe("loadMasterKeys", () => {
  it("creates a development key file with mode 0600 once and reuses it", async () => {
    const dataDir = await tempDir();
    const first = capture();
    const ring1 = await loadMasterKeys({ dataDir, production: false }, first.log);
    const file = join(dataDir, "master.key");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.lines.join("\n")).toMatch(/generated a development master key/);
    const content = await readFile(file, "utf8");
    const second = capture();
    const ring2 = await loadMasterKeys({ dataDir, production: false }, second.log);
    expect(ring2.keys[0].id).toBe(ring1.keys[0].id);
    expect(ring2.keys[0].bytes).toEqual(ring1.keys[0].bytes);
    expect(await readFile(file, "utf8")).toBe(content);
    expect(second.lines.join("\n")).toMatch(/using the development master key/);
    // The key itself is never logged.
    const secret = content.trim().split(":")[1]!;
    expect([...first.lines, ...second.lines].join("\n")).not.toContain(secret);
  });

  it("refuses to start in production without a key, creating no file", async () => {
    const dataDir = await tempDir();
    await expect(loadMasterKeys({ dataDir, production: true }, capture().log)).rejects.toThrow(
      /FHIR_GATEWAY_MASTER_KEY is not set.*production/,
    );
    await expect(stat(join(dataDir, "master.key"))).rejects.toThrow();
  });

  it("prefers the configured key over a development key file", async () => {
    const dataDir = await tempDir();
    const line = generateMasterKeyLine();
    const ring = await loadMasterKeys(
      { dataDir, production: true, masterKey: line },
      capture().log,
    );
    expect(ring.keys[0].id).toBe(line.split(":")[0]);
    await expect(stat(join(dataDir, "master.key"))).rejects.toThrow();
  });
});
