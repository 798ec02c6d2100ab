import type { FhirInteraction } from "./interaction.ts";
import { parseFhirPath } from "./parse-path.ts";

/** The URL of a Bundle's `next` link: the one next-link parser. */
export function nextLink(bundle: unknown): string | undefined {
  const links = (bundle as { link?: unknown } | undefined)?.link;
  if (!Array.isArray(links)) return undefined;
  for (const l of links) {
    const link = l as { relation?: unknown; url?: unknown };
    if (link?.relation === "next" && typeof link.url === "string") return link.url;
  }
  return undefined;
}

/**
 * Turns a page link the gateway returned (`{gatewayBase}/...`) back into the GET interaction
 * that fetches it: a search, history or `_page` link; undefined for anything else, so a link
 * can never become a write or leave the platform.
 */
export function pageLinkToInteraction(
  url: string,
  gatewayBase: string,
): FhirInteraction | undefined {
  if (!url.startsWith(`${gatewayBase}/`) && !url.startsWith(`${gatewayBase}?`)) return undefined;
  const rest = url.slice(gatewayBase.length).replace(/^\//, "");
  const at = rest.indexOf("?");
  const path = at < 0 ? rest : rest.slice(0, at);
  const query = new URLSearchParams(at < 0 ? "" : rest.slice(at + 1));
  let segments: string[];
  try {
    segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  let interaction: FhirInteraction;
  try {
    interaction = parseFhirPath("GET", segments, query, () => "");
  } catch {
    return undefined;
  }
  const isPage = interaction.kind === "search" || interaction.kind === "history" ||
    interaction.kind === "page";
  return isPage ? interaction : undefined;
}
