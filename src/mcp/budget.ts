/** What was cut from an answer to fit the byte budget. */
export interface Omission {
  /** Where, e.g. `entries` or `resource.contained`. */
  path: string;
  /** Array items left out (the first `kept` items are shown). */
  omittedItems?: number;
  kept?: number;
  /** Characters cut from the end of a long string. */
  omittedChars?: number;
}

const encoder = new TextEncoder();

/** UTF-8 size of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/**
 * Shrinks a JSON value until its JSON fits `maxBytes`: the largest array loses items from
 * its end first, then the longest string is shortened. Returns the smaller copy and what was
 * left out, so the answer can say so. The input is not changed.
 */
export function fitToBudget<T>(value: T, maxBytes: number): { value: T; omitted: Omission[] } {
  if (jsonBytes(value) <= maxBytes) return { value, omitted: [] };
  const copy = structuredClone(value);
  const omitted = new Map<string, Omission>();
  for (let round = 0; round < 200; round++) {
    const size = jsonBytes(copy);
    if (size <= maxBytes) break;
    const excess = size - maxBytes;
    // Arrays keep their first item while any array has more, so one big item is trimmed
    // inside rather than dropped whole.
    const array = largest(copy, "", (v) => Array.isArray(v) && v.length > 1) ??
      largest(copy, "", (v) => Array.isArray(v) && v.length === 1);
    if (array) {
      const items = array.value as unknown[];
      const perItem = array.size / items.length;
      const floor = items.length > 1 ? 1 : 0;
      const drop = Math.min(items.length - floor, Math.max(1, Math.ceil(excess / perItem)));
      const o = omitted.get(array.path) ?? { path: array.path, omittedItems: 0 };
      o.omittedItems = (o.omittedItems ?? 0) + drop;
      items.splice(items.length - drop, drop);
      o.kept = items.length;
      omitted.set(array.path, o);
      continue;
    }
    const text = largest(copy, "", (v) => typeof v === "string" && v.length > 64);
    if (!text) break;
    const s = text.value as string;
    const keep = Math.max(32, s.length - excess - 16);
    text.set(`${s.slice(0, keep)}…`);
    const o = omitted.get(text.path) ?? { path: text.path, omittedChars: 0 };
    o.omittedChars = (o.omittedChars ?? 0) + (s.length - keep);
    omitted.set(text.path, o);
  }
  return { value: copy, omitted: [...omitted.values()] };
}

interface Found {
  path: string;
  value: unknown;
  size: number;
  set(v: unknown): void;
}

/** The biggest (by JSON size) value in the tree that `accept`s, with a setter. */
function largest(
  root: unknown,
  rootPath: string,
  accept: (v: unknown) => boolean,
): Found | undefined {
  let best: Found | undefined;
  const visit = (v: unknown, path: string, set: (x: unknown) => void) => {
    if (accept(v)) {
      const size = jsonBytes(v);
      if (!best || size > best.size) best = { path: path || "(answer)", value: v, size, set };
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${path}[${i}]`, (x) => (v[i] = x)));
    } else if (typeof v === "object" && v !== null) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) visit(o[k], path ? `${path}.${k}` : k, (x) => (o[k] = x));
    }
  };
  visit(root, rootPath, () => {});
  return best;
}
