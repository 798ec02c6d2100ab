import { deno } from "./detect.ts";

/** A directory entry, as both runtimes report it. */
export interface DirEntry {
  name: string;
  isFile: boolean;
}

/** Lists a directory; a missing directory is reported as undefined, not thrown. */
export async function listDir(path: string): Promise<DirEntry[] | undefined> {
  try {
    if (deno) {
      const out: DirEntry[] = [];
      for await (const e of deno.readDir(path)) out.push({ name: e.name, isFile: e.isFile });
      return out;
    }
    const fs = await import("node:fs/promises");
    const entries = await fs.readdir(path, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isFile: e.isFile() }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Reads a UTF-8 file; a missing file is undefined. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    if (deno) return await deno.readTextFile(path);
    const fs = await import("node:fs/promises");
    return await fs.readFile(path, "utf8");
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Writes a file readable by its owner only (mode 0600), creating parent folders. */
export async function writePrivateText(path: string, data: string): Promise<void> {
  await makeDir(dirname(path));
  if (deno) {
    await deno.writeTextFile(path, data, { mode: 0o600 });
    await deno.chmod(path, 0o600);
    return;
  }
  const fs = await import("node:fs/promises");
  await fs.writeFile(path, data, { mode: 0o600 });
  await fs.chmod(path, 0o600);
}

/** Writes a UTF-8 file, creating parent folders. */
export async function writeText(path: string, data: string): Promise<void> {
  await makeDir(dirname(path));
  if (deno) return await deno.writeTextFile(path, data);
  const fs = await import("node:fs/promises");
  await fs.writeFile(path, data);
}

/** mkdir -p. */
export async function makeDir(path: string): Promise<void> {
  if (deno) return await deno.mkdir(path, { recursive: true });
  const fs = await import("node:fs/promises");
  await fs.mkdir(path, { recursive: true });
}

/** The current working directory. */
export async function cwd(): Promise<string> {
  if (deno) return deno.cwd();
  return (await import("node:process")).default.cwd();
}

/** Resolves `path` against the working directory into an absolute path. */
export async function absolutePath(path: string): Promise<string> {
  if (path.startsWith("/")) return path;
  const base = await cwd();
  return joinPath(base, path);
}

/** Joins path segments with "/" and folds "." and ".." segments. */
export function joinPath(...parts: string[]): string {
  const absolute = parts[0]?.startsWith("/") ?? false;
  const out: string[] = [];
  for (const seg of parts.join("/").split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return (absolute ? "/" : "") + out.join("/");
}

/** The folder part of a path. */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/** A file: URL for an absolute path, for dynamic import(). */
export function fileUrl(absPath: string): string {
  return new URL("file://" + absPath.split("/").map(encodeURIComponent).join("/")).href;
}

function isNotFound(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: string; name?: string };
  return e.code === "ENOENT" || e.name === "NotFound";
}
