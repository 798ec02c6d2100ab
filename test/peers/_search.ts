import { evalFhirPath, getSearchParameter, Operator, parseSearchRequest } from "@medplum/core";
import type { SearchRequest } from "@medplum/core";
import type {
  Bundle,
  BundleEntry,
  BundleLink,
  Reference,
  Resource,
  ResourceType,
} from "@medplum/fhirtypes";
import type { PeerRepository } from "./_medplum-engine.ts";

/** Medplum's own server pages by 20 unless asked. */
export const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 1000;
const RESULT_PARAMS = new Set([
  "_count",
  "_offset",
  "_sort",
  "_total",
  "_include",
  "_revinclude",
  "_summary",
  "_elements",
  "_format",
  "_pretty",
]);
const FILTER_PARAMS = new Set([
  "_id",
  "_lastUpdated",
  "_profile",
  "_tag",
  "_security",
  "_source",
  "_text",
  "_content",
  "_has",
  "_filter",
]);

/** The outcome of a type-level search: a searchset Bundle, or why the request is bad. */
export type SearchResult = { ok: true; bundle: Bundle } | { ok: false; message: string };

/**
 * Runs a search on the engine and adds what a server adds: paging by `_count`/`_offset` with
 * absolute `self`/`next`/`previous` links, `_include` and `_revinclude`, `fullUrl`s, and
 * `total` only when `_total` asks for it. Unknown parameters are refused unless `lenient`.
 */
export async function searchType(
  repo: PeerRepository,
  baseUrl: string,
  resourceType: string,
  params: URLSearchParams,
  lenient: boolean,
): Promise<SearchResult> {
  const query = new URLSearchParams(params);
  for (const key of [...query.keys()]) {
    if (isKnownParam(resourceType, key)) continue;
    if (!lenient) {
      return { ok: false, message: `Unknown search parameter "${key}" for ${resourceType}` };
    }
    query.delete(key);
  }
  const count = readInteger(query, "_count", DEFAULT_PAGE_SIZE);
  const offset = readInteger(query, "_offset", 0);
  if (count === undefined || offset === undefined) {
    return { ok: false, message: "_count and _offset must be non-negative integers" };
  }
  const pageSize = Math.min(count, MAX_PAGE_SIZE);
  const summaryCount = query.get("_summary") === "count";
  query.delete("_summary");
  query.set("_count", String(summaryCount ? 0 : pageSize));
  query.set("_offset", String(offset));

  const request = parseSearchRequest(resourceType, toRecord(query));
  const found = await repo.search(request);
  const total = found.total ?? 0;
  const matches = (found.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const extra = summaryCount ? [] : await included(repo, matches, request);
  const entry: BundleEntry[] = [
    ...matches.map((resource) => toEntry(baseUrl, resource, "match")),
    ...extra.map((resource) => toEntry(baseUrl, resource, "include")),
  ];
  const pageUrl = (at: number): string => {
    const page = new URLSearchParams(params);
    page.set("_count", String(pageSize));
    if (at > 0) page.set("_offset", String(at));
    else page.delete("_offset");
    return `${baseUrl}/${resourceType}?${page.toString()}`;
  };
  const link: BundleLink[] = [{ relation: "self", url: pageUrl(offset) }];
  if (!summaryCount && pageSize > 0 && offset + pageSize < total) {
    link.push({ relation: "next", url: pageUrl(offset + pageSize) });
  }
  if (!summaryCount && offset > 0) {
    link.push({ relation: "previous", url: pageUrl(Math.max(0, offset - pageSize)) });
  }
  const wantsTotal = summaryCount || request.total === "accurate" || request.total === "estimate";
  const bundle: Bundle = {
    resourceType: "Bundle",
    type: "searchset",
    ...(wantsTotal ? { total } : {}),
    link,
  };
  if (entry.length > 0) bundle.entry = entry;
  return { ok: true, bundle };
}

function isKnownParam(resourceType: string, key: string): boolean {
  const code = key.split(/[:.]/)[0] ?? key;
  if (code.startsWith("_")) return RESULT_PARAMS.has(code) || FILTER_PARAMS.has(code);
  return getSearchParameter(resourceType, code) !== undefined;
}

function readInteger(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const raw = query.getAll(name).at(-1);
  if (raw === undefined || raw === "") return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** URLSearchParams as the record Medplum's parser takes (repeated keys become arrays). */
export function toRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    record[key] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return record;
}

function toEntry(baseUrl: string, resource: Resource, mode: "match" | "include"): BundleEntry {
  return {
    fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id ?? ""}`,
    resource,
    search: { mode },
  };
}

async function included(
  repo: PeerRepository,
  matches: Resource[],
  request: SearchRequest,
): Promise<Resource[]> {
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id ?? ""}`));
  const out: Resource[] = [];
  const add = (resource: Resource): void => {
    const key = `${resource.resourceType}/${resource.id ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(resource);
  };
  for (const target of request.include ?? []) {
    const expression = getSearchParameter(target.resourceType, target.searchParam)?.expression;
    if (!expression) continue;
    const sources = target.modifier === "iterate" ? [...matches, ...out] : matches;
    for (const source of sources.filter((r) => r.resourceType === target.resourceType)) {
      for (const value of evalFhirPath(expression, source)) {
        const reference = (value as Reference | undefined)?.reference;
        if (!reference || !/^[A-Za-z]+\/[^/]+$/.test(reference)) continue;
        if (target.targetType && !reference.startsWith(`${target.targetType}/`)) continue;
        if (seen.has(reference)) continue;
        await repo.readReference({ reference }).then(add, () => undefined);
      }
    }
  }
  for (const target of request.revInclude ?? []) {
    for (const source of matches) {
      if (target.targetType && source.resourceType !== target.targetType) continue;
      const value = `${source.resourceType}/${source.id ?? ""}`;
      const filters = [{ code: target.searchParam, operator: Operator.EQUALS, value }];
      const found = await repo.search({
        resourceType: target.resourceType as ResourceType,
        filters,
      });
      for (const e of found.entry ?? []) if (e.resource) add(e.resource);
    }
  }
  return out;
}
