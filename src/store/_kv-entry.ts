/**
 * How the KV store lays out a value: raw bytes (Deno KV stores Uint8Array as-is under both
 * runtimes, no V8 serialization), prefixed with its expiry so a read can drop an expired
 * entry that KV's lazy `expireIn` has not removed yet.
 *
 *   byte 0      layout version (1)
 *   bytes 1..8  expiry, epoch ms as float64 big-endian; 0 = never
 *   rest        the value
 */
const headerLength = 9;

/** Wraps `value` with its expiry. */
export function encodeKvValue(value: Uint8Array, expiresAt: number | undefined): Uint8Array {
  const out = new Uint8Array(headerLength + value.length);
  out[0] = 1;
  new DataView(out.buffer).setFloat64(1, expiresAt ?? 0);
  out.set(value, headerLength);
  return out;
}

/** Unwraps a stored value; undefined when it is not in this layout. */
export function decodeKvValue(
  stored: unknown,
): { value: Uint8Array; expiresAt: number | undefined } | undefined {
  if (!(stored instanceof Uint8Array) || stored.length < headerLength || stored[0] !== 1) {
    return undefined;
  }
  const bytes = new Uint8Array(stored); // a copy: Node hands out Buffers over shared memory
  const expiresAt = new DataView(bytes.buffer).getFloat64(1);
  return { value: bytes.slice(headerLength), expiresAt: expiresAt === 0 ? undefined : expiresAt };
}
