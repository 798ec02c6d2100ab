import { deno } from "./detect.ts";

/** A Deno KV key. */
export type KvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/** One entry as Deno KV returns it; `versionstamp` is null when the key is absent. */
export interface KvEntry {
  key: KvKey;
  value: unknown;
  versionstamp: string | null;
}

/** An atomic operation: checks, then writes that all commit or none do. */
export interface KvAtomic {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): KvAtomic;
  delete(key: KvKey): KvAtomic;
  commit(): Promise<{ ok: boolean; versionstamp?: string }>;
}

/** The slice of `Deno.Kv` the store uses; `@deno/kv` offers the same under Node. */
export interface Kv {
  get(key: KvKey): Promise<KvEntry>;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  delete(key: KvKey): Promise<void>;
  list(selector: { start: KvKey; end: KvKey }): AsyncIterable<KvEntry>;
  atomic(): KvAtomic;
  /**
   * Emits when a watched key changes; sees writes through any handle in this process, not
   * writes by another process to the same file. Present under Deno only: `@deno/kv` 0.14 under
   * Node has watch, but a cancelled watch leaves a native read pending that keeps Node from
   * exiting (and can deadlock `close()`), so it is not offered there; callers poll instead.
   */
  watch?(keys: KvKey[]): ReadableStream<KvEntry[]>;
  close(): void;
}

/**
 * Opens a Deno KV database file: natively under Deno, through the `@deno/kv` package under
 * Node. Both read and write the same SQLite-backed file format.
 */
export async function openKv(path: string): Promise<Kv> {
  if (deno) return (await deno.openKv(path)) as Kv;
  const { openKv: nodeOpenKv } = await import("@deno/kv");
  const kv = (await nodeOpenKv(path)) as unknown as Kv;
  return {
    get: (key) => kv.get(key),
    set: (key, value, options) => kv.set(key, value, options),
    delete: (key) => kv.delete(key),
    list: (selector) => kv.list(selector),
    atomic: () => kv.atomic(),
    close: () => kv.close(),
  };
}
