import fc from "fast-check";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { openPid, smartPid } from "./_world.ts";

/**
 * Seeds: fixed by default so a run is reproducible; FUZZ_SEED=<n> replays one run,
 * FUZZ_SEED=random draws a new one (printed, to replay it). FUZZ_RUNS scales the case counts.
 */
export function fuzzSettings(name: string, runs: number): fc.Parameters<unknown> {
  const env = process.env.FUZZ_SEED;
  const seed = env === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : env
    ? Number(env)
    : fixedSeed(name);
  const scale = Number(process.env.FUZZ_RUNS_SCALE ?? "1");
  console.log(`fuzz ${name}: seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return { seed, numRuns: Math.max(1, Math.round(runs * scale)), endOnFailure: true };
}

function fixedSeed(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h % 2 ** 31;
}

/** Strings that have broken gateways: dot segments, encodings, hosts, NULs, unicode, size. */
export const hostileStrings = [
  ".",
  "..",
  "...",
  "%2e",
  "%2e%2e",
  "%2E%2E",
  ".%2e",
  "%252e%252e",
  "..%2f",
  "%2f",
  "%2F..%2F",
  "a/../b",
  "./x",
  "//evil.example/x",
  "/.//evil.example/x",
  "https://evil.example/fhir",
  "\\\\evil.example\\x",
  "\u0000",
  "a\u0000b",
  "%00",
  "\r\nX-Injected: 1",
  "%0d%0aX-Injected:%201",
  " ",
  "",
  "Patient",
  "patient",
  "$everything",
  "_history",
  "_search",
  "metadata",
  "\u202e\u0645\u0631\u062d\u0628\u0627",
  "\ud83d\udc80",
  "\ufeff",
  "x".repeat(65),
  "1".repeat(5000),
  "<script>alert(1)</script>",
  "'\"><img src=x onerror=1>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "null",
  "undefined",
  "-1",
  "1e309",
  "NaN",
  JOHNNIE_ID,
  "ea877536-55b1-4ec8-a12b-e95594214c01/_history/1",
];

export const hostile = fc.constantFrom(...hostileStrings);

/** Mostly hostile, sometimes random (full unicode), sometimes a plausible value. */
export const anyString = fc.oneof(
  { weight: 5, arbitrary: hostile },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9\-.]{1,12}$/) },
);

export const resourceType = fc.constantFrom(
  "Patient",
  "Observation",
  "Condition",
  "Flag",
  "Encounter",
  "patient",
  "NotAType",
  "Bundle",
);

export const platformRef = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(openPid, smartPid) },
  { weight: 1, arbitrary: fc.constantFrom("nope", `${openPid}:tenant`, "MEDPLUM") },
  { weight: 2, arbitrary: hostile },
);

/** An id: valid ones, the seeded patient, and hostile ones. */
export const resourceId = fc.oneof(
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9\-.]{1,20}$/) },
  { weight: 1, arbitrary: fc.constant(JOHNNIE_ID) },
  { weight: 4, arbitrary: hostile },
);

/** A path segment as a client might send it: raw (URL-escaped by the client) or encoded. */
export const segment = fc.oneof(anyString.map((s) => encodeURIComponent(s)), hostile);

export const query = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(
        "_count",
        "_id",
        "patient",
        "target",
        "_page",
        "_format",
        "_elements",
        "_include",
        "return_to",
        "state",
        "code",
        "error",
        "q",
        "type",
        "_total",
      ),
      anyString,
    ),
    fc.oneof(anyString, fc.integer().map(String)),
  ),
  { maxLength: 4 },
).map((pairs) => {
  const q = new URLSearchParams();
  for (const [k, v] of pairs) q.append(k, v);
  return q.toString();
});

/** A JSON value of any shape, small. */
export const json = fc.jsonValue({ maxDepth: 3 });

/** A body of some kind: none, JSON resources right and wrong, broken JSON, forms, bytes. */
export const body: fc.Arbitrary<{ type?: string; data?: string }> = fc.oneof(
  fc.constant({}),
  fc.record({
    type: fc.constantFrom("application/fhir+json", "application/json"),
    data: fc.oneof(
      fc.record({ resourceType, id: fc.option(resourceId, { nil: undefined }) }).map((r) =>
        JSON.stringify(r)
      ),
      json.map((v) => JSON.stringify(v)),
      fc.constantFrom("{", "[]", "null", '{"resourceType":"Patient","id":"."}', "\u0000"),
      fc.constant(JSON.stringify({ resourceType: "Patient", pad: "x".repeat(200_000) })),
    ),
  }),
  fc.record({
    type: fc.constantFrom("application/x-www-form-urlencoded", "text/plain", "application/xml"),
    data: fc.oneof(query, anyString),
  }),
);

/** Sometimes `arb`, mostly absent. */
const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 1) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });

/** Headers: credentials good and forged, content types, hosts, origins, FHIR headers. */
export function headers(cookie: string) {
  return fc.record({
    cookie: fc.constantFrom(cookie, cookie, undefined, "fhir_gateway_session=forged", `${cookie}x`),
    authorization: sometimes(fc.constantFrom("Bearer forged", "Basic Zm9vOmJhcg==", "Bearer ")),
    "x-auth-handle": sometimes(fc.constantFrom("h1.forged.x", "eyJ.e30.x", "garbage")),
    host: sometimes(
      fc.constantFrom("gateway.test", "127.0.0.1:99999", "evil.example", "a b", "[::1]"),
    ),
    origin: sometimes(fc.constantFrom("https://evil.example", "null", "http://gateway.test")),
    accept: sometimes(
      fc.constantFrom("application/fhir+json", "text/html", "*/*", "application/xml"),
    ),
    "if-match": sometimes(fc.constantFrom('W/"1"', "*", '"x')),
    prefer: sometimes(fc.constantFrom("return=representation", "handling=strict")),
    "x-forwarded-for": sometimes(fc.constantFrom("1.2.3.4", "::1, evil", "not-an-ip")),
  });
}

/** Values for one JSON Schema (as tools/list gives it): mostly valid, sometimes hostile or wrong. */
export function fromSchema(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  const s = (schema ?? {}) as Record<string, unknown>;
  const wrongType = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.constant([]),
    fc.constant({}),
    hostile,
  );
  const valid = validFromSchema(s, depth);
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: wrongType });
}

function validFromSchema(s: Record<string, unknown>, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (Array.isArray(s.anyOf)) {
    return fc.oneof(...(s.anyOf as unknown[]).map((x) => fromSchema(x, depth + 1)));
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return anyString;
    case "integer":
      return fc.oneof(
        fc.integer({
          min: typeof s.minimum === "number" ? s.minimum : -5,
          max: typeof s.maximum === "number" ? Math.min(s.maximum, 1000) : 1000,
        }),
        fc.constantFrom(-1, 0, 2 ** 53),
      );
    case "number":
      return fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -1));
    case "boolean":
      return fc.boolean();
    case "array":
      return depth > 2
        ? fc.constant([])
        : fc.array(fromSchema(s.items, depth + 1), { maxLength: 3 });
    case "object": {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      if (depth > 2 || Object.keys(props).length === 0) {
        return fc.dictionary(anyString, fc.oneof(anyString, fc.integer()), { maxKeys: 3 });
      }
      const required = new Set((s.required ?? []) as string[]);
      const keys = Object.keys(props);
      return fc.record(
        Object.fromEntries(keys.map((k) => [k, fromSchema(props[k], depth + 1)])),
        { requiredKeys: keys.filter((k) => required.has(k)) },
      );
    }
    default:
      return fc.oneof(anyString, fc.integer(), fc.boolean());
  }
}
