/** A file opened for appending lines. */
export interface AppendFile {
  /** Appends one line (a newline is added); writes happen in call order. */
  append(line: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens (creating, mode 0600) a file for appending, with `node:fs`, which Deno 2 and Node
 * both provide. Parent folders are created.
 */
export async function openAppendFile(path: string): Promise<AppendFile> {
  const fs = await import("node:fs/promises");
  const slash = path.lastIndexOf("/");
  if (slash > 0) await fs.mkdir(path.slice(0, slash), { recursive: true });
  const handle = await fs.open(path, "a", 0o600);
  let chain: Promise<void> = Promise.resolve();
  return {
    append(line) {
      const write = chain.then(() => handle.appendFile(`${line}\n`, "utf8"));
      chain = write.catch(() => {});
      return write;
    },
    async close() {
      await chain;
      await handle.close();
    },
  };
}
