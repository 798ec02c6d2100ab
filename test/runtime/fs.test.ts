import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  absolutePath,
  dirname,
  fileUrl,
  joinPath,
  listDir,
  readText,
  writePrivateText,
} from "../../src/runtime/fs.ts";

const dir = mkdtempSync(join(tmpdir(), "gw-runtime-fs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runtime files (node:fs, the same under Deno and Node)", () => {
  it("reports a missing folder or file as undefined, not an error", async () => {
    expect(await listDir(join(dir, "nope"))).toBeUndefined();
    expect(await readText(join(dir, "nope.txt"))).toBeUndefined();
  });

  it("lists files with their kind", async () => {
    writeFileSync(join(dir, "a.json"), "{}");
    const entries = await listDir(dir);
    expect(entries).toContainEqual({ name: "a.json", isFile: true });
  });

  it("writes private files with mode 0600, creating folders, also over a wider file", async () => {
    const file = join(dir, "keys", "master.key");
    await writePrivateText(file, "k1");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, "k2", { mode: 0o644 });
    await writePrivateText(file, "k3");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readText(file)).toBe("k3");
  });

  it("resolves, joins and names paths and file URLs", async () => {
    expect(await absolutePath("/x/y")).toBe("/x/y");
    expect((await absolutePath("platforms")).endsWith("/platforms")).toBe(true);
    expect(joinPath("/a/b", "../c", "./d.json")).toBe("/a/c/d.json");
    expect(dirname("/a/b/c.ts")).toBe("/a/b");
    expect(fileUrl("/tmp/a b/#x.ts")).toBe("file:///tmp/a%20b/%23x.ts");
  });
});
