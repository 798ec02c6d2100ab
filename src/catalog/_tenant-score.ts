/** How tenant names are compared and ranked (src/catalog/tenant-search.ts). */

/** Words a query may hold that say nothing about which organization it is. */
export const stopWords = new Set(["a", "an", "and", "at", "for", "in", "of", "on", "the", "to"]);
const maxWords = 8;

/** Lower case, no accents or apostrophes, `&` as "and", words split on anything else. */
export function normalizeName(text: string): string {
  // deno-lint-ignore no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(text);
  const plain = ascii ? text : text.normalize("NFKD").replace(/[\u0300-\u036f’]/g, "");
  return plain.toLowerCase().replace(/'/g, "").replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, " ").trim();
}

/** The query's distinct words without stop words (unless it is only stop words), at most 8. */
export function queryWords(nq: string): string[] {
  const all = [...new Set(nq.split(" ").filter(Boolean))];
  const kept = all.filter((w) => !stopWords.has(w));
  return (kept.length ? kept : all).slice(0, maxWords);
}

/** The score of a name that starts with the query: exact, then a whole first word, shorter first. */
export function prefixScore(n: string, nq: string, alias: boolean): number {
  const s = n.length === nq.length ? 1000 : n[nq.length] === " " ? 850 : 800;
  return s - Math.min(n.length, 100) / 2 - (alias ? 5 : 0);
}

/**
 * The best score over an entry's names (index 0 is the name, then aliases): exact, then
 * prefix, then phrase, then the initials, then words; shorter names rank higher.
 */
export function scoreNames(
  names: string[],
  nq: string,
  qWords: string[],
): { score: number; name: number } {
  let best = -Infinity;
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    let s: number;
    if (n.startsWith(nq)) {
      s = prefixScore(n, nq, i > 0);
    } else {
      const word = wordMatch(n, nq);
      if (word) s = 600;
      else if (qWords.length === 1 && initialsOf(n) === nq) s = 550;
      else {
        let words = 0;
        for (const w of qWords) words += wordMatch(n, w) === 2 ? 100 : wordMatch(n, w) ? 70 : 0;
        s = 200 + words / qWords.length;
      }
      s -= Math.min(n.length, 100) / 2 + (i > 0 ? 5 : 0);
    }
    if (s > best) [best, at] = [s, i];
  }
  return { score: best, name: at };
}

/** 2 when `w` is a whole word of `n`, 1 when a word of `n` starts with it, else 0. */
function wordMatch(n: string, w: string): 0 | 1 | 2 {
  let found: 0 | 1 | 2 = 0;
  for (let i = n.indexOf(w); i >= 0; i = n.indexOf(w, i + 1)) {
    if (i > 0 && n[i - 1] !== " ") continue;
    const end = i + w.length;
    if (end === n.length || n[end] === " ") return 2;
    found = 1;
  }
  return found;
}

/** "massachusetts general hospital" -> "mgh". */
export function initialsOf(n: string): string {
  let out = "";
  for (const w of n.split(" ")) if (w && !stopWords.has(w)) out += w[0];
  return out;
}
