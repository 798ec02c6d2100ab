import { GatewayError } from "../errors.ts";
import { pageLinkToInteraction } from "../fhir/bundle.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from "../store/_bytes.ts";

/**
 * An opaque paging cursor: the platform and the gateway's own next-page link, relative to
 * the platform's gateway base. It grants nothing a search could not do: decoding yields a
 * GET interaction that the core validates like any other (same platform, same origin).
 */
interface PageCursor {
  /** Platform key. */
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
  if (!pageLinkToInteraction(nextUrl, gatewayBase)) return undefined;
  const link = nextUrl.slice(gatewayBase.length).replace(/^\//, "");
  const body: PageCursor = { platform, link, ...(full ? { full } : {}) };
  return toBase64Url(utf8(JSON.stringify(body)));
}

/** Decodes a cursor into its platform and the GET interaction that fetches the page. */
export function fromCursor(cursor: string): PageCursor & { interaction: FhirInteraction } {
  const refuse = () =>
    new GatewayError("bad_request", "The cursor is not one the gateway issued.", {
      next: "use_returned_links",
      details: { field: "cursor" },
    });
  const bytes = fromBase64Url(cursor.trim());
  let parsed: unknown;
  try {
    parsed = bytes ? JSON.parse(fromUtf8(bytes)) : undefined;
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<PageCursor> | undefined;
  if (!c || typeof c.platform !== "string" || typeof c.link !== "string") throw refuse();
  // The link is resolved below a placeholder base: only its path and query count.
  const base = "gateway:";
  const interaction = pageLinkToInteraction(`${base}/${c.link}`, base);
  if (!interaction) throw refuse();
  return { platform: c.platform, link: c.link, full: c.full === true, interaction };
}
