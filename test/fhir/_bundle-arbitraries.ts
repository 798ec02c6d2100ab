import fc from "fast-check";
import { bundleRewriteStream } from "../../src/fhir/bundle-stream.ts";
import { createLinkMapper, type LinkMapper } from "../../src/fhir/links.ts";

/** The upstream base and gateway base of the property tests' mapper. */
export const upstreamBase = "http://up.example/fhir";
export const gatewayBase = "https://gw.example/api/fhir/p";

/** A mapper that mints page links deterministically (the same token for the same URL). */
export function testMapper(): LinkMapper {
  return createLinkMapper(upstreamBase, gatewayBase, {
    mintPage: (url) =>
      Promise.resolve(`T${[...url].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}`),
  });
}

/** URLs of every kind a Bundle carries: plain ones, ones needing a page link, foreign, urn. */
export const anyUrl: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    `${upstreamBase}/Patient/1`,
    `${upstreamBase}/Observation/obs-2/_history/3`,
    upstreamBase,
    `${upstreamBase}/`,
    `${upstreamBase}/Patient?name=a b&_count=10`,
    `${upstreamBase}/Observation?_getpages=x%2Fy&_offset=20`,
    `${upstreamBase}/paging/a%2Fb`,
    `${upstreamBase}/_page/x`,
    `${upstreamBase}/a/../../etc`,
    `${upstreamBase}/Patient/\u00e9\u00e8`,
    `${upstreamBase}/Patient/\ud83d\ude00`,
    `${upstreamBase}/Patient/a\\b`,
    `${upstreamBase}/Patient/"q"`,
    "http://UP.example/fhir/Patient/2",
    "http://up.example:80/fhir/Patient/3",
    "http://up.example/fhirx/Patient",
    "https://evil.example/fhir/Patient/1",
    "//evil.example/x",
    "Patient/1",
    "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
    " urn:oid:1.2.3",
    "URN:x",
    "",
    " ",
  ),
  fc.tuple(
    fc.constantFrom(`${upstreamBase}/`, `${upstreamBase}/Patient?x=`, "https://evil.example/"),
    fc.string({ unit: "binary", maxLength: 8 }),
  ).map(([a, b]) => a + b),
);

const scalar = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
/** A value where a URL should be, usually a URL. */
const urlOrNot = fc.oneof({ weight: 6, arbitrary: anyUrl }, { weight: 1, arbitrary: scalar }, {
  weight: 1,
  arbitrary: fc.constant({ url: `${upstreamBase}/Patient/1` }),
});
/** Random JSON as the filler of resources. */
const filler = fc.jsonValue({ maxDepth: 2 });
const extra = fc.dictionary(
  fc.constantFrom("id", "meta", "text", "code", "value", "url", "link", "entry", "fullUrl"),
  fc.oneof(filler, anyUrl),
  { maxKeys: 3 },
);

/** Shuffles an object's keys (resourceType need not come first). */
function shuffled(o: Record<string, unknown>, order: number[]): Record<string, unknown> {
  const keys = Object.keys(o);
  const sorted = keys.map((k, i) => [k, order[i % Math.max(order.length, 1)] ?? i] as const)
    .sort((a, b) => a[1] - b[1]);
  return Object.fromEntries(sorted.map(([k]) => [k, o[k]]));
}

/** Bundles (with nested Bundles), and values that are not Bundles. */
export const { bundle: anyBundle } = fc.letrec((tie) => ({
  link: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ relation: fc.constantFrom("self", "next"), url: urlOrNot }, {
        requiredKeys: ["relation"],
      }),
    },
    { weight: 1, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(anyUrl, { maxLength: 2 }) },
  ),
  links: fc.oneof(
    { weight: 6, arbitrary: fc.array(tie("link"), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom({}, "x", null, 3, { url: `${upstreamBase}/P/1` }) },
  ),
  resource: fc.oneof(
    {
      weight: 5,
      arbitrary: fc.tuple(fc.constantFrom("Patient", "Observation"), extra).map((
        [resourceType, e],
      ) => ({ resourceType, ...e })),
    },
    { weight: 2, arbitrary: tie("bundle") },
    { weight: 1, arbitrary: filler },
  ),
  response: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        status: fc.constantFrom("201 Created", "200 OK"),
        location: urlOrNot,
        etag: fc.constant('W/"1"'),
      }, { requiredKeys: ["status"] }),
    },
    { weight: 1, arbitrary: scalar },
    { weight: 1, arbitrary: fc.constant([{ location: `${upstreamBase}/P/1` }]) },
  ),
  entry: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(
        fc.record(
          {
            fullUrl: urlOrNot,
            resource: tie("resource"),
            response: tie("response"),
            search: fc.constant({ mode: "match" }),
            request: fc.record({ method: fc.constant("GET"), url: anyUrl }),
          },
          { requiredKeys: [] },
        ),
        fc.array(fc.nat(9), { maxLength: 5 }),
      ).map(([e, order]) => shuffled(e, order)),
    },
    { weight: 1, arbitrary: fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })) },
  ),
  bundle: fc.tuple(
    fc.record(
      {
        resourceType: fc.oneof({ weight: 8, arbitrary: fc.constant("Bundle") }, {
          weight: 1,
          arbitrary: fc.constantFrom("Patient", 5, null),
        }),
        id: fc.constant("b1"),
        type: fc.constantFrom("searchset", "batch-response", "history"),
        total: fc.nat(),
        link: tie("links"),
        entry: fc.oneof(
          { weight: 8, arbitrary: fc.array(tie("entry"), { maxLength: 5 }) },
          { weight: 1, arbitrary: fc.constantFrom({}, "x", null) },
        ),
      },
      { requiredKeys: ["resourceType"] },
    ),
    fc.array(fc.nat(9), { maxLength: 6 }),
    fc.boolean(),
  ).map(([b, order, typeFirst]) => {
    const { resourceType, ...rest } = b;
    return typeFirst ? { resourceType, ...rest } : shuffled(b, order);
  }),
})) as { bundle: fc.Arbitrary<Record<string, unknown>> };

/** How a value is written out as JSON text. */
export interface Spelling {
  /** Seed of the choices below. */
  seed: number;
  /** Escape some characters that need none (`\/`, `\u00e9`, `\u0041`). */
  escapes: boolean;
  /** Whitespace between tokens. */
  space: boolean;
  /** Duplicate keys below the root, the first of each pair overridden by the second. */
  dupes: boolean;
}

export const anySpelling: fc.Arbitrary<Spelling> = fc.record({
  seed: fc.integer(),
  escapes: fc.boolean(),
  space: fc.boolean(),
  dupes: fc.boolean(),
});

/**
 * JSON text for `value` as `spelling` says; JSON.parse of it gives `value` back (a duplicate
 * key is always followed by the real member).
 */
export function spell(value: unknown, spelling: Spelling): string {
  let state = spelling.seed >>> 0 || 1;
  const rnd = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const spaces = [" ", "\n", "\t", "\r\n  ", "  "];
  const ws =
    () => (spelling.space && rnd() < 0.3 ? spaces[Math.floor(rnd() * spaces.length)]! : "");
  const junk = ['"Bundle"', '"Patient"', '"http://up.example/fhir/P/9"', "5", "null", "{}", "[]"];
  const str = (s: string) => {
    let out = '"';
    for (const ch of s) {
      const code = ch.charCodeAt(0);
      if (ch === '"') out += '\\"';
      else if (ch === "\\") out += "\\\\";
      else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, "0")}`;
      else if (spelling.escapes && rnd() < 0.15) {
        out += ch === "/" && rnd() < 0.5 ? "\\/" : [...ch].map(unicodeEscape).join("");
      } else out += ch;
    }
    return out + '"';
  };
  const write = (v: unknown, depth: number): string => {
    if (typeof v === "string") return str(v);
    if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
    if (Array.isArray(v)) {
      return `[${ws()}${v.map((x) => write(x, depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    }
    const members: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      if (spelling.dupes && depth > 0 && rnd() < 0.25) {
        members.push(`${str(k)}${ws()}:${ws()}${junk[Math.floor(rnd() * junk.length)]}`);
      }
      members.push(`${str(k)}${ws()}:${ws()}${write(x, depth + 1)}`);
    }
    return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
  };
  return ws() + write(value, 0) + ws();
}

function unicodeEscape(ch: string): string {
  let out = "";
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/** Split points of a byte string: anywhere, and next to quotes, backslashes, UTF-8 bytes. */
export const anySplits = fc.array(
  fc.tuple(fc.constantFrom("any", "quote", "backslash", "utf8", "u"), fc.nat(), fc.nat(3)),
  { maxLength: 12 },
);

/** The chunks of `bytes` cut at the split points (resolved against its content). */
export function cut(bytes: Uint8Array, splits: Array<[string, number, number]>): Uint8Array[] {
  const near = (pred: (b: number, i: number) => boolean) => {
    const at: number[] = [];
    bytes.forEach((b, i) => pred(b, i) && at.push(i));
    return at;
  };
  const places: Record<string, number[]> = {
    quote: near((b) => b === 0x22),
    backslash: near((b) => b === 0x5c),
    utf8: near((b) => b >= 0x80),
    u: near((b, i) => b === 0x75 && bytes[i - 1] === 0x5c),
  };
  const points = new Set<number>();
  for (const [kind, n, offset] of splits) {
    const list = places[kind];
    const p = kind === "any" || !list?.length
      ? n % (bytes.length + 1)
      : list[n % list.length]! + offset;
    if (p > 0 && p < bytes.length) points.add(p);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of sorted) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Runs `chunks` through the streamed rewrite; the output text, or the error it ended with. */
export async function streamed(
  chunks: Uint8Array[],
  mapper: LinkMapper,
): Promise<{ text: string } | { error: unknown }> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  try {
    return { text: await new Response(source.pipeThrough(bundleRewriteStream(mapper))).text() };
  } catch (error) {
    return { error };
  }
}
