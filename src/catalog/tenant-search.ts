import { normalizeName, prefixScore, queryWords, scoreNames, stopWords } from "./_tenant-score.ts";
import { createWordPostings, lowerBound } from "./_word-postings.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./schema.ts";
import { stateCode } from "./us-states.ts";

/** One organization found by name, with the name or alias that matched. */
export interface TenantMatch {
  platform: Platform;
  tenant: Tenant;
  /** The tenant's alias that matched best (a brand behind a shared base); absent for its name. */
  matched?: string;
  /** Higher is better; only the order means anything. */
  score: number;
  /**
   * The same organization on platforms of another audience (Oracle Health's patient-facing
   * twin), answered once under the first platform when no platform was asked for.
   */
  twins?: Platform[];
}

/** What a search may narrow to. */
export interface TenantSearchOptions {
  limit: number;
  /** One platform's tenants only (its id). */
  platformId?: string;
  /** A US state, as a code ("MA") or a name ("Massachusetts"). */
  state?: string;
}

/** A word index over every tenant of every platform. */
export interface TenantSearch {
  /**
   * The best matches for `q`: every word of it found at the start of a word of a name or alias
   * (or the city, the state, the initials), ranked by how rare the matched words
   * are, then exact name, name prefix, phrase and word matches, shorter names first. When no
   * tenant has every word, those with the most words (at least half) are answered. An empty
   * `q` lists tenants in order.
   */
  search(q: string, options: TenantSearchOptions): TenantMatch[];
  /** How many tenants (per platform) the index holds. */
  size: number;
}

/** Two-letter words that end names without being a state ("John Smith MD"). */
const notStates = new Set(["MD", "PA", "DO"]);
/** Initials live beside words under this mark, so no word prefix reaches them. */
const initialsMark = "\u0001";

/** Builds the index; it holds the platforms' own tenant objects, not copies. */
export function createTenantSearch(platforms: Platform[]): TenantSearch {
  const ePlatform: number[] = [];
  const eTenant: Tenant[] = [];
  const eNames: string[][] = [];
  const eState: string[] = [];
  /** Entries shown under another platform's entry when the search spans every platform. */
  const twinOf = new Set<number>();
  const twins = new Map<number, number[]>();
  const firstOf = new Map<string, number>();
  const postings = createWordPostings();
  const allNames: Array<[string, number, number]> = [];
  platforms.forEach((p, pi) => {
    for (const t of p.tenants ?? []) {
      if (p.audience && t.bases && !t.bases[p.audience]) continue; // not served to this audience
      const e = eTenant.length;
      ePlatform.push(pi);
      eTenant.push(t);
      const key = `${t.id}\u0000${t.vendor_id ?? ""}\u0000${t.name}`;
      const first = firstOf.get(key);
      if (first === undefined) firstOf.set(key, e);
      else if (p.audience && platforms[ePlatform[first]!]!.audience !== p.audience) {
        twinOf.add(e);
        twins.set(first, [...(twins.get(first) ?? []), pi]);
      }
      const names = [t.name, ...(t.aliases ?? [])].map(normalizeName);
      eNames.push(names);
      eState.push(t.state?.toUpperCase() ?? nameState(t.name));
      names.forEach((n, i) => {
        allNames.push([n, e, i]);
        let initials = "";
        for (const w of n.split(" ")) {
          if (!w) continue;
          postings.add(w, e);
          if (!stopWords.has(w)) initials += w[0];
        }
        if (initials.length >= 2 && initials.length <= 6) postings.add(initialsMark + initials, e);
      });
      // Vendor ids are not words: refs resolve them (athena:195900) without the index.
      for (const extra of [t.city, t.state]) {
        if (!extra) continue;
        for (const w of extra.toLowerCase().split(/[^a-z0-9]+/)) if (w) postings.add(w, e);
      }
    }
  });
  const { words, idOf, offsets, postings: posted } = postings.finish(initialsMark);
  allNames.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const sortedNames = allNames.map((n) => n[0]);
  const nameEntry = Int32Array.from(allNames, (n) => n[1]);
  const nameIndex = Uint8Array.from(allNames, (n) => Math.min(n[2], 255));
  allNames.length = 0;
  const platformIndex = new Map(platforms.map((p, i) => [p.id, i]));

  /** Ids of the words starting with `w` (from 2 letters), its shortenings, its initials. */
  const wordIdsFor = (w: string): number[] => {
    const ids = [idOf(w)];
    if (w.length >= 2) {
      ids.length = 0;
      for (let i = lowerBound(words, w); i < words.length && words[i]!.startsWith(w); i++) {
        ids.push(idOf(words[i]!));
      }
      // "reg med ctr" as published matches "regional medical": a 3+ letter word's start.
      for (let k = 3; k < w.length; k++) ids.push(idOf(w.slice(0, k)));
      ids.push(idOf(initialsMark + w));
    }
    return ids.filter((id) => id >= 0);
  };

  // Per-entry scratch space, reused by every search (searches run one at a time): an entry's
  // counts are valid when its `seen` is the current search's generation.
  const seen = new Int32Array(eTenant.length);
  const counts = new Uint8Array(eTenant.length);
  const weights = new Float64Array(eTenant.length);
  const lastWord = new Int8Array(eTenant.length);
  const excluded = 127;
  let generation = 0;

  /**
   * How many query words each entry has, and their weight: a word few tenants have weighs
   * more ("coffeyville" over "medical"). `allowed` narrows the entries.
   */
  const count = (qWords: string[], allowed?: (e: number) => boolean) => {
    const gen = ++generation;
    const touched: number[] = [];
    qWords.forEach((w, i) => {
      const ids = wordIdsFor(w);
      let df = 0;
      for (const id of ids) df += offsets[id + 1]! - offsets[id]!;
      const weight = Math.log(1 + eTenant.length / (1 + df));
      for (const id of ids) {
        for (let j = offsets[id]!, end = offsets[id + 1]!; j < end; j++) {
          const e = posted[j]!;
          if (seen[e] !== gen) {
            seen[e] = gen;
            counts[e] = 0;
            weights[e] = 0;
            lastWord[e] = allowed && !allowed(e) ? excluded : -1;
            touched.push(e);
          }
          if (lastWord[e] === i || lastWord[e] === excluded) continue;
          lastWord[e] = i;
          counts[e]!++;
          weights[e]! += weight;
        }
      }
    });
    return { counts, weights, touched: touched.filter((e) => lastWord[e] !== excluded) };
  };

  /**
   * The names that start with the whole query, when at least `limit` tenants have one: they
   * outrank every other match (each has every query word, so the same weight), so the word
   * scan is skipped. Undefined when there are fewer.
   */
  const byPrefix = (nq: string, limit: number, allowed: (e: number) => boolean) => {
    const top = createTop(limit);
    const found = new Set<number>();
    for (let i = lowerBound(sortedNames, nq); i < sortedNames.length; i++) {
      const n = sortedNames[i]!;
      if (!n.startsWith(nq)) break;
      const e = nameEntry[i]!;
      if (!allowed(e)) continue;
      found.add(e);
      top.offer(e, prefixScore(n, nq, nameIndex[i]! > 0), nameIndex[i]!);
    }
    return found.size >= limit ? top.list() : undefined;
  };

  return {
    size: eTenant.length,
    search(q, options) {
      const limit = Math.max(1, options.limit);
      const pi = options.platformId === undefined
        ? undefined
        : platformIndex.get(options.platformId);
      if (options.platformId !== undefined && pi === undefined) return [];
      const state = options.state ? stateCode(options.state) ?? "??" : undefined;
      const allowed = (e: number) =>
        (pi === undefined ? !twinOf.has(e) : ePlatform[e] === pi) &&
        (!state || eState[e] === state);
      const nq = normalizeName(q);
      const qWords = queryWords(nq);
      if (!qWords.length) {
        if (q.trim()) return []; // only symbols: nothing to match, not "list everything"
        const out: TenantMatch[] = [];
        for (let e = 0; e < eTenant.length && out.length < limit; e++) {
          if (allowed(e)) out.push(toMatch({ e, score: 0, name: 0 }));
        }
        return out;
      }
      const quick = byPrefix(nq, limit, allowed);
      if (quick) return quick.map(toMatch);
      const { counts, weights, touched } = count(qWords, allowed);
      let best = 0;
      for (const e of touched) best = Math.max(best, counts[e]!);
      if (best < Math.ceil(qWords.length / 2)) return [];
      // Without every word, answer only tenants that have the rare ones ("ucsf" of
      // "ucsf health"), not every tenant with a common word.
      let heaviest = 0;
      for (const e of touched) if (counts[e] === best) heaviest = Math.max(heaviest, weights[e]!);
      const floor = best === qWords.length ? 0 : heaviest * 0.7;
      const top = createTop(limit);
      for (const e of touched) {
        if (counts[e] !== best || weights[e]! < floor) continue;
        const named = scoreNames(eNames[e]!, nq, qWords);
        top.offer(e, weights[e]! * 1000 + named.score, named.name);
      }
      return top.list().map(toMatch);
    },
  };

  function toMatch(h: Hit): TenantMatch {
    const tenant = eTenant[h.e]!;
    const matched = h.name === 0 ? undefined : tenant.aliases?.[h.name - 1];
    const others = twins.get(h.e)?.map((pi) => platforms[pi]!);
    return {
      platform: platforms[ePlatform[h.e]!]!,
      tenant,
      score: h.score,
      ...(matched ? { matched } : {}),
      ...(others ? { twins: others } : {}),
    };
  }
}

interface Hit {
  e: number;
  score: number;
  name: number;
}

/** The best `limit` hits, best first, one per entry. */
function createTop(limit: number) {
  const top: Hit[] = [];
  return {
    offer(e: number, score: number, name: number) {
      if (top.length === limit && score <= top[limit - 1]!.score) return;
      const prior = top.findIndex((h) => h.e === e);
      if (prior >= 0) {
        if (top[prior]!.score >= score) return;
        top.splice(prior, 1);
      }
      let at = top.length;
      while (at > 0 && top[at - 1]!.score < score) at--;
      top.splice(at, 0, { e, score, name });
      if (top.length > limit) top.pop();
    },
    list: (): Hit[] => top,
  };
}

/** A state a name ends with, as eClinicalWorks names do ("... AUSTIN TX"), else "". */
function nameState(name: string): string {
  const m = / ([A-Z][A-Z.'-]+) ([A-Z]{2})$/.exec(name);
  return m && !notStates.has(m[2]!) && stateCode(m[2]!) ? m[2]! : "";
}
