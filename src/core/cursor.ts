import { GatewayError } from "../errors.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import { parseFhirPath } from "../rest/parse-fhir-path.ts";
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from "../store/_bytes.ts";

/**
 * An opaque paging cursor: the platform and the gateway's own next-page link, relative to
 * the platform's gateway base. It grants nothing a search could not do: decoding yields a
 * GET interaction that the core validates like any other (same platform, same origin).
 */
export interface PageCursor {
  /** Platform key, as in `gateway.baseFor`. */
  platform: string;
  /** The next link below the platform's gateway base, e.g. `Observation?_count=20&_offset=20`. */
  link: string;
  /** Whether pages show full resources rather than summaries. */
  full?: boolean;
}

/** Encodes a cursor from a next link the gateway returned (`{gatewayBase}/...`). */
export function toCursor(
  nextUrl: string,
  gatewayBase: string,
  platform: string,
  full?: boolean,
): string | undefined {
  if (!nextUrl.startsWith(`${gatewayBase}/`) && !nextUrl.startsWith(`${gatewayBase}?`)) {
    return undefined;
  }
  const link = nextUrl.slice(gatewayBase.length).replace(/^\//, "");
  const body: PageCursor = { platform, link, ...(full ? { full } : {}) };
  return toBase64Url(utf8(JSON.stringify(body)));
}

/** Decodes a cursor into its platform and the GET interaction that fetches the page. */
export function fromCursor(cursor: string): PageCursor & { interaction: FhirInteraction } {
  const bytes = fromBase64Url(cursor.trim());
  let parsed: unknown;
  try {
    parsed = bytes ? JSON.parse(fromUtf8(bytes)) : undefined;
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<PageCursor> | undefined;
  if (!c || typeof c.platform !== "string" || typeof c.link !== "string") {
    throw new GatewayError("bad_request", "The cursor is not one the gateway issued.", {
      hint: "Pass next_cursor exactly as a search answered it, or search again.",
    });
  }
  const [path = "", query = ""] = splitOnce(c.link, "?");
  const segments = path.split("/").filter(Boolean).map(decodeSegment);
  const interaction = parseFhirPath("GET", segments, new URLSearchParams(query), () => "");
  if (
    interaction.kind !== "search" && interaction.kind !== "history" && interaction.kind !== "page"
  ) {
    throw new GatewayError("bad_request", "The cursor does not name a page of results.", {
      hint: "Pass next_cursor exactly as a search answered it.",
    });
  }
  return { platform: c.platform, link: c.link, full: c.full === true, interaction };
}

function splitOnce(s: string, sep: string): [string, string] {
  const at = s.indexOf(sep);
  return at < 0 ? [s, ""] : [s.slice(0, at), s.slice(at + 1)];
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new GatewayError("bad_request", "The cursor is not one the gateway issued.");
  }
}
