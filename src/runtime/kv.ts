import { deno } from "./detect.ts";

/**
 * Opens a Deno KV database file: natively under Deno, through the `@deno/kv` package under
 * Node. Both read and write the same SQLite-backed file format.
 */
// deno-lint-ignore no-explicit-any
export async function openKv(path: string): Promise<any> {
  if (deno) return await deno.openKv(path);
  const { openKv: nodeOpenKv } = await import("@deno/kv");
  return await nodeOpenKv(path);
}
