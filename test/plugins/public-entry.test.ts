import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as entry from "../../src/plugin.ts";

const root = new URL("../..", import.meta.url);

describe("the public plugin entry", () => {
  it("is named in package.json exports as ./plugin and exports definePlugin", async () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
    expect(pkg.exports["./plugin"]).toBe("./src/plugin.ts");
    const mod = await import(new URL(pkg.exports["./plugin"], root).href);
    expect(Object.keys(mod)).toEqual(["definePlugin"]);
    const plugin = { name: "x", platforms: "*" as const, beforeRequest: (r: Request) => r };
    expect(entry.definePlugin(plugin)).toBe(plugin);
  });

  it("is the only gateway module the shipped plugins import", () => {
    const dir = new URL("plugins/", root);
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), "utf8");
      const specifiers = [...text.matchAll(/\bfrom\s+"([^"]+)"/g)].map((m) => m[1]!);
      for (const s of specifiers) {
        expect(
          s === "../src/plugin.ts" || /^\.\/_[a-z-]+\.ts$/.test(s),
          `${file} imports ${s}`,
        ).toBe(true);
      }
    }
  });
});
