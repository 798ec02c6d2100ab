/**
 * The rewrite half of the streamed Bundle rewrite: on the JSON scanner of
 * bundle-stream-json.ts, it knows which strings are `Bundle.link` lists, `entry.fullUrl`s and
 * `entry.response.location`s (root and nested Bundles) and writes the text out with those
 * rewritten, everything else copied as it came (slices of the input).
 *
 * What the stream cannot decide in order falls back to the parsed rewrite of links.ts on the
 * smallest unit that holds it: a `Bundle.link` list is always read whole and rewritten parsed
 * (a few links); each entry of the root Bundle is held until it ends, and when something
 * inside it is ambiguous (a duplicate fullUrl or location, a nested Bundle whose `link` or
 * `entry` come before its `resourceType`, or whose `resourceType` is given twice, once
 * "Bundle" and once not) that entry is rewritten parsed instead. A root object whose `link` or
 * `entry` come before its `resourceType` is buffered whole and rewritten parsed. Left over: a
 * root `resourceType` given twice and differently once output was released, or an ambiguity
 * inside an entry held past `holdLimit`; both throw AmbiguousBundleError.
 */
import {
  JsonScanner,
  MalformedJsonError,
  SKIM,
  SKIP,
  TOP,
  V_ARRAY,
  V_OBJECT,
  V_STRING,
} from "./bundle-stream-json.ts";
import {
  entryLinkUrls,
  isBundle,
  linkListUrls,
  type LinkMapper,
  type LinkMinter,
  mapFullUrl,
  rewriteBundleWithPages,
  rewriteEntry,
  rewriteLinkList,
} from "./links.ts";

/** The Bundle can only be rewritten with all of it in hand (see the module comment). */
export class AmbiguousBundleError extends Error {
  override name = "AmbiguousBundleError";
}

// Roles. A resource that is not a Bundle is skimmed for a second resourceType only; ENTRY
// and RESPONSE (from ENTRY on) may lose a member, so their commas wait for the next member.
const OTHER = SKIP, NONBUNDLE = SKIM, LINKS = 2, ENTRIES = 3, CAND = 4, BUNDLE = 5;
const ENTRY = 6, RESPONSE = 7;
// What the current member's key names.
const K_OTHER = 0, K_TYPE = 1, K_LINK = 2, K_ENTRY = 3, K_FULLURL = 4, K_RESPONSE = 5;
const K_RESOURCE = 6, K_LOCATION = 7;
// Holds.
const NO_HOLD = 0, HOLD_ROOT = 1, HOLD_ENTRY = 2;
const never = Number.MAX_SAFE_INTEGER;

const bundleKeys: Array<[string, number]> = [
  ["resourceType", K_TYPE],
  ["link", K_LINK],
  ["entry", K_ENTRY],
];
/** The keys that matter in each role. */
const keyNames: Array<Array<[string, number]>> = [];
keyNames[CAND] = keyNames[BUNDLE] = bundleKeys;
keyNames[NONBUNDLE] = [["resourceType", K_TYPE]];
keyNames[ENTRY] = [["fullUrl", K_FULLURL], ["response", K_RESPONSE], ["resource", K_RESOURCE]];
keyNames[RESPONSE] = [["location", K_LOCATION]];

/** What a JSON string cannot hold as it is (gateway URLs hardly ever have any). */
// deno-lint-ignore no-control-regex
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Entries of the root Bundle held longer than this (UTF-16 units) are released unchecked. */
export const holdLimit = 1 << 20;

/** Output pieces: text, or a rewrite still being minted. */
export type Piece = string | Promise<string>;

/** One rewrite of one JSON text, fed in chunks of decoded text. */
export class BundleScanner extends JsonScanner {
  protected readonly skimKeyLength = "resourceType".length;
  /** Per frame (ENTRY, RESPONSE): whether a fullUrl/location was seen, members kept. */
  private seen: number[] = [];
  private written: number[] = [];

  /** Input before this offset is written out (or dropped). */
  private outPos = 0;
  /** Nothing at or after this offset may be written yet (a member or comma may go). */
  private blockAt = never;
  private captureAt = -1;
  /** Output not handed out yet; from `holdMark` on it belongs to the held unit. */
  private out: Piece[] = [];
  private holdMark = 0;
  private hold = NO_HOLD;
  /** Where the held unit starts, and where its output starts (before it: commas, spaces). */
  private holdAt = -1;
  private holdFrom = 0;
  private holdReleased = false;
  private holdParsed = false;
  private asyncOut = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Set when the root object goes the parsed way: its text so far, then every chunk. */
  private whole: string[] | undefined;

  constructor(private readonly mapper: LinkMapper, private readonly minter: LinkMinter) {
    super();
  }

  /** Scans the next chunk; returns the output it decided. */
  push(text: string): Piece[] {
    if (text === "") return [];
    if (this.whole) {
      this.whole.push(text);
      return [];
    }
    this.scan(text);
    if (this.stopped) this.goneWhole();
    return this.flush();
  }

  /** Ends the text: the rest of the output; throws MalformedJsonError when it is incomplete. */
  end(): Piece[] {
    const whole = this.whole;
    if (whole) {
      return [this.later(async () => {
        let value: unknown;
        try {
          value = JSON.parse(whole.join(""));
        } catch {
          throw new MalformedJsonError("The JSON text is malformed.");
        }
        if (isBundle(value)) await rewriteBundleWithPages(value, this.mapper);
        return JSON.stringify(value);
      })];
    }
    this.finish();
    this.copyTo(this.win.end);
    const out = this.out;
    this.out = [];
    return out;
  }

  /** True once some output piece is a pending rewrite. */
  get pending(): boolean {
    return this.asyncOut;
  }

  // --- hooks ------------------------------------------------------------------------------

  protected valueStart(kind: number, i: number): number {
    const top = this.top;
    const d = this.depth - 1;
    switch (top) {
      case ENTRIES:
        if (kind !== V_OBJECT) return OTHER;
        if (d === 1 && this.hold === NO_HOLD) this.startHold(HOLD_ENTRY, i);
        this.seen[d + 1] = this.written[d + 1] = 0;
        return ENTRY;
      case CAND:
      case BUNDLE:
      case NONBUNDLE: {
        const k = this.keys[d];
        if (k === K_TYPE) {
          if (kind === V_STRING) this.relevant = true;
          else this.typeIs(false);
        } else if (k === K_LINK || k === K_ENTRY) {
          if (top === CAND) this.odd();
          else if (top === BUNDLE && kind === V_ARRAY) {
            if (k === K_ENTRY) return ENTRIES;
            this.copyTo(this.base + i);
            this.captureAt = this.base + i;
            return LINKS;
          }
        }
        return OTHER;
      }
      case ENTRY:
      case RESPONSE: {
        const k = this.keys[d];
        if (k === (top === ENTRY ? K_FULLURL : K_LOCATION)) {
          if (kind === V_STRING) this.relevant = true;
          else this.keepMember();
        } else if (kind === V_OBJECT && top === ENTRY) {
          if (k === K_RESOURCE) return CAND;
          if (k === K_RESPONSE) {
            this.seen[d + 1] = this.written[d + 1] = 0;
            return RESPONSE;
          }
        }
        return OTHER;
      }
      case TOP:
        if (kind !== V_OBJECT) return OTHER;
        this.startHold(HOLD_ROOT, i);
        return CAND;
      default: // LINKS
        return OTHER;
    }
  }

  protected keyStart(i: number): void {
    // A member of an ENTRY or RESPONSE: nothing of it is written until it is kept.
    if (this.top >= ENTRY && this.blockAt === never) this.blockAt = this.base + i;
  }

  protected keyEnd(e: number): void {
    const top = this.top;
    const d = this.depth - 1;
    const names = keyNames[top];
    let k = K_OTHER;
    if (names) {
      if (this.strEsc) {
        const name = this.stringValue(e);
        for (const [n, key] of names) if (n === name) k = key;
      } else {
        const len = this.base + e - this.strStart - 2;
        for (const [n, key] of names) if (n.length === len && this.rawIs(n, e)) k = key;
      }
    }
    this.keys[d] = k;
    if (top < ENTRY) return;
    if (k === K_FULLURL || k === K_LOCATION) {
      // A second fullUrl or location: which one counts is the parser's call.
      if (this.seen[d]! & 1) this.odd();
      this.seen[d] = 1;
    } else this.keepMember();
  }

  protected valueStringEnd(e: number): void {
    const value = this.stringValue(e);
    const k = this.keys[this.depth - 1];
    if (k === K_TYPE) return this.typeIs(value === "Bundle");
    const other = this.minter.maps.other;
    const url = k === K_FULLURL ? mapFullUrl(value, other) : other(value);
    if (url === undefined) {
      // The member goes, with the comma before it (if one was kept waiting).
      this.copyTo(this.blockAt);
      this.outPos = this.base + e;
      this.blockAt = never;
      return;
    }
    this.keepMember();
    if (url !== value) {
      this.copyTo(this.strStart);
      this.put(needsEscape.test(url) ? JSON.stringify(url) : `"${url}"`);
      this.outPos = this.base + e;
    }
  }

  protected comma(i: number): void {
    if (this.top < ENTRY) return;
    // In ENTRY and RESPONSE a comma after kept members waits for the next member (it goes
    // with it); one after nothing kept only goes.
    if (this.written[this.depth - 1] === 0) {
      this.copyTo(this.base + i);
      this.outPos = this.base + i + 1;
    } else this.blockAt = this.base + i;
  }

  protected closed(role: number, i: number): void {
    if (role === LINKS) this.endCapture(i);
    else if (role === ENTRY && this.depth === 2 && this.hold === HOLD_ENTRY) this.endEntryHold(i);
    else if (role === CAND && this.depth === 0) this.releaseHold();
  }

  // --- decisions --------------------------------------------------------------------------

  /** The current member of an ENTRY or RESPONSE stays (with the comma before it, if any). */
  private keepMember(): void {
    this.written[this.depth - 1]!++;
    this.blockAt = never;
  }

  /** The resourceType of the current object says it is (not) a Bundle. */
  private typeIs(bundle: boolean): void {
    const d = this.depth - 1;
    const top = this.top;
    if (top === CAND) {
      this.roles[d] = this.top = bundle ? BUNDLE : NONBUNDLE;
      if (d === 0) this.releaseHold();
      return;
    }
    if ((top === BUNDLE) === bundle) return;
    if (d === 0) throw new AmbiguousBundleError("The root resourceType is given twice.");
    this.odd();
  }

  /** Something the stream cannot decide in order: the held unit goes the parsed way. */
  private odd(): void {
    if (this.hold === HOLD_ENTRY && !this.holdReleased) this.holdParsed = true;
    else if (this.hold === HOLD_ROOT && !this.holdReleased) this.stopped = true;
    else throw new AmbiguousBundleError("An entry too long to hold is ambiguous.");
  }

  private goneWhole(): void {
    // The root object's text so far (this chunk included) is kept; its output is dropped.
    this.whole = [this.win.slice(this.holdFrom, this.win.end)];
    this.out.length = this.holdMark;
    this.hold = NO_HOLD;
  }

  private startHold(kind: number, i: number): void {
    this.hold = kind;
    this.holdAt = this.base + i;
    this.holdFrom = this.outPos;
    this.holdMark = this.out.length;
    this.holdReleased = false;
    this.holdParsed = false;
  }

  private releaseHold(): void {
    this.hold = NO_HOLD;
    this.holdAt = -1;
    this.holdReleased = this.holdParsed = false;
  }

  private endEntryHold(i: number): void {
    const end = this.base + i + 1;
    if (this.holdParsed) {
      const raw = this.win.slice(this.holdAt, end);
      this.out.length = this.holdMark;
      this.outPos = this.holdFrom;
      this.copyTo(this.holdAt);
      this.outPos = end;
      this.put(this.later(async () => {
        const entry = JSON.parse(raw);
        await this.minter.mint(entryLinkUrls(entry));
        return JSON.stringify(rewriteEntry(entry, this.minter.maps));
      }));
    }
    this.releaseHold();
  }

  private endCapture(i: number): void {
    const end = this.base + i + 1;
    const raw = this.win.slice(this.captureAt, end);
    this.captureAt = -1;
    this.outPos = end;
    if (this.holdParsed) return; // the held entry is rewritten parsed anyway
    const minter = this.minter;
    this.put(this.later(async () => {
      const links = JSON.parse(raw);
      await minter.mint(linkListUrls(links));
      return JSON.stringify(rewriteLinkList(links, minter.maps.link));
    }));
  }

  /** Runs `work` after the pending ones (page links are minted in document order). */
  private later(work: () => Promise<string>): Promise<string> {
    this.asyncOut = true;
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  // --- output -----------------------------------------------------------------------------

  private put(piece: Piece): void {
    this.out.push(piece);
  }

  private copyTo(to: number): void {
    if (to > this.outPos) {
      this.out.push(this.win.slice(this.outPos, to));
      this.outPos = to;
    }
  }

  /** Hands out what is decided; keeps what a held unit or a pending token still needs. */
  private flush(): Piece[] {
    if (this.whole) {
      const out = this.out;
      this.out = [];
      return out;
    }
    let limit = Math.min(this.win.end, this.blockAt);
    if (this.captureAt >= 0) limit = Math.min(limit, this.captureAt);
    this.copyTo(limit);
    let keep = this.outPos;
    let held: Piece[] = [];
    if (this.hold !== NO_HOLD && !this.holdReleased) {
      if (this.win.end - this.holdAt > holdLimit && !this.holdParsed) {
        // Too long to hold: out it goes; an ambiguity inside it from now on is an error.
        this.holdReleased = true;
      } else {
        keep = Math.min(keep, this.holdFrom);
        held = this.out.slice(this.holdMark);
        this.out.length = this.holdMark;
        this.holdMark = 0;
      }
    }
    if (this.inString && (this.relevant || (this.strKey && this.top !== OTHER))) {
      keep = Math.min(keep, this.strStart);
    }
    this.win.release(keep);
    const out = this.out;
    this.out = held;
    return out;
  }
}
