import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPlugins, PluginError } from "../../src/hooks/load-plugins.ts";

const dir = mkdtempSync(join(tmpdir(), "gw-plugins-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const defineUrl = new URL("../../src/plugin.ts", import.meta.url).href;

/** Writes a plugin folder holding `files` and returns its path. */
function folder(name: string, files: Record<string, string>): string {
  const path = join(dir, name);
  mkdirSync(path);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
  return path;
}

const good = (name: string) =>
  `import { definePlugin } from ${JSON.stringify(defineUrl)};\n` +
  `export default definePlugin({ name: ${
    JSON.stringify(name)
  }, platforms: "*", beforeRequest: (r) => r });\n`;

describe("loadPlugins", () => {
  it("loads plugin files and skips helpers (_*.ts) and tests", async () => {
    const path = folder("ok", {
      "a.ts": good("a"),
      "_helper.ts": "export const x = 1;\n",
      "a.test.ts": "throw new Error('never imported');\n",
    });
    expect((await loadPlugins([path])).map((p) => p.name)).toEqual(["a"]);
  });

  it("stops with every broken file named, and what is wrong with it", async () => {
    const path = folder("bad", {
      "no-default.ts": "export const plugin = 1;\n",
      "bad-platforms.ts": `export default { name: "p", platforms: "epic", beforeRequest() {} };\n`,
      "no-hooks.ts": `export default { name: "n", platforms: "*" };\n`,
      "throws.ts": "throw new Error('syntax-ish failure');\n",
      "dup-1.ts": good("same"),
      "dup-2.ts": good("same"),
    });
    const err = await loadPlugins([path]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    const message = (err as Error).message;
    expect(message).toContain(`${join(path, "no-default.ts")}: must default-export definePlugin`);
    expect(message).toContain(`${join(path, "bad-platforms.ts")}: platforms:`);
    expect(message).toContain(`${join(path, "no-hooks.ts")}: defines no hook`);
    expect(message).toContain(`${join(path, "throws.ts")}: failed to load (syntax-ish failure)`);
    expect(message).toContain(`${join(path, "dup-2.ts")}: plugin name "same" is used by`);
  });

  it("names a folder that does not exist", async () => {
    await expect(loadPlugins([join(dir, "missing")])).rejects.toThrow(/missing: folder not found/);
  });
});
