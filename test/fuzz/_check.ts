import type { FuzzWorld, UpstreamCall } from "./_world.ts";

/** The id rule of the core: `[A-Za-z0-9\-.]{1,64}`, not all dots. */
const validId = (id: string) => /^[A-Za-z0-9\-.]{1,64}$/.test(id) && !/^\.+$/.test(id);
const writes = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * What is wrong with one answer: a 500 (the gateway's own failure; an upstream 5xx is 502),
 * a token or an upstream host:port anywhere in the status line, headers or body.
 * `allowLocationTo`: a redirect to the SMART server may name the FHIR base as `aud`.
 * `catalog`: the platform catalog publishes each platform's FHIR base (public catalog data,
 * `fhir_base_url`), so only tokens are looked for there.
 */
export function answerProblems(
  world: FuzzWorld,
  answer: { status: number; headers: Headers; text: string },
  options: { allowLocationTo?: string; catalog?: boolean } = {},
): string[] {
  const problems: string[] = [];
  if (answer.status === 500) problems.push(`500: ${answer.text.slice(0, 300)}`);
  if (/failed unexpectedly/i.test(answer.text)) {
    problems.push(`gateway failure in answer: ${answer.text.slice(0, 300)}`);
  }
  const headerText = [...answer.headers]
    .filter(([k, v]) =>
      !(k === "location" && options.allowLocationTo && v.startsWith(options.allowLocationTo))
    )
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
  const secrets = options.catalog ? world.tokens() : world.secrets();
  for (const secret of secrets) {
    const at = answer.text.indexOf(secret);
    if (at >= 0 || headerText.includes(secret)) {
      const where = at >= 0
        ? `body: ...${
          answer.text.slice(Math.max(0, at - 60), at).replace(secret, "<secret>")
        }<here>`
        : "headers";
      problems.push(`answer holds a secret or upstream address (${where})`);
    }
  }
  return problems;
}

/**
 * What is wrong with the upstream calls of one case: anything outside the platform's FHIR
 * base, an empty or all-dots segment, and a DELETE/PUT/PATCH that is not `Type/<valid id>`.
 */
export function upstreamProblems(world: FuzzWorld, calls: UpstreamCall[]): string[] {
  const bases = [world.fhir.baseUrl, world.openFhir.baseUrl];
  const problems: string[] = [];
  for (const call of calls) {
    const url = new URL(call.url);
    if (!world.upstreamHosts.includes(url.host)) continue; // the SMART server
    const base = bases.find((b) =>
      call.url === b || call.url.startsWith(`${b}/`) || call.url.startsWith(`${b}?`)
    );
    if (!base) {
      problems.push(`${call.method} outside the FHIR base: ${url.pathname}`);
      continue;
    }
    const rest = new URL(call.url).pathname.slice(new URL(base).pathname.length);
    const segments = rest === "" ? [] : rest.slice(1).split("/");
    if (segments.some((s) => s === "" || /^\.+$/.test(s) || /%2e|%2f|%00/i.test(s))) {
      problems.push(`${call.method} with an empty or dot segment: ${rest || "/"}`);
    }
    if (writes.has(call.method) && call.method !== "POST") {
      const [type, id, ...more] = segments;
      const conditional = url.search !== "" && id === undefined;
      if (!type || (!conditional && (!id || !validId(decodeURIComponent(id)) || more.length > 0))) {
        problems.push(`${call.method} to an invalid target: ${rest || "/"}`);
      }
    }
  }
  return problems;
}

/** Distinct problems found in a run, each with how often and one case that shows it. */
export interface Findings {
  add(route: string, problems: string[], example: unknown): void;
  /** One line per distinct problem (empty when the run found none). */
  report(): string[];
}

/** Collects problems instead of stopping at the first, so one run shows every defect. */
export function createFindings(): Findings {
  const found = new Map<string, { count: number; example: string }>();
  return {
    add(route, problems, example) {
      for (const p of problems) {
        const key = `${route} ${p.replace(/\s+/g, " ").replace(/\d{2,}/g, "N").slice(-120)}`;
        const hit = found.get(key);
        if (hit) hit.count++;
        else found.set(key, { count: 1, example: JSON.stringify(example).slice(0, 1500) });
      }
    },
    report() {
      return [...found].map(([key, v]) => `${key} (x${v.count}) e.g. ${v.example}`);
    },
  };
}
