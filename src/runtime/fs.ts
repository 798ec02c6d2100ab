import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

// node:fs, node:path and node:process behave the same under Node and Deno 2, so this file has
// no runtime branch (Deno applies its --allow-read/--allow-write permissions to them as well).

/** A directory entry, as both runtimes report it. */
export interface DirEntry {
  name: string;
  isFile: boolean;
}

/** Lists a directory; a missing directory is reported as undefined, not thrown. */
export async function listDir(dir: string): Promise<DirEntry[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isFile: e.isFile() }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Reads a UTF-8 file; a missing file is undefined. */
export async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Writes a file readable by its owner only (mode 0600), creating parent folders. */
export async function writePrivateText(file: string, data: string): Promise<void> {
  await makeDir(dirname(file));
  await writeFile(file, data, { mode: 0o600 });
  // The mode above applies to new files only; an existing file is narrowed too.
  await chmod(file, 0o600);
}

/** Writes a UTF-8 file, creating parent folders. */
export async function writeText(file: string, data: string): Promise<void> {
  await makeDir(dirname(file));
  await writeFile(file, data);
}

/** mkdir -p. */
export async function makeDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** The current working directory. */
export function cwd(): Promise<string> {
  return Promise.resolve(process.cwd());
}

/** Resolves `file` against the working directory into an absolute path. */
export function absolutePath(file: string): Promise<string> {
  return Promise.resolve(path.resolve(file));
}

/** Joins path segments and folds "." and ".." segments. */
export function joinPath(...parts: string[]): string {
  return path.join(...parts);
}

/** The folder part of a path. */
export function dirname(file: string): string {
  return path.dirname(file);
}

/** A file: URL for an absolute path, for dynamic import(). */
export function fileUrl(absPath: string): string {
  return pathToFileURL(absPath).href;
}

function isNotFound(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: string; name?: string };
  return e.code === "ENOENT" || e.name === "NotFound";
}
