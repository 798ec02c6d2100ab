/**
 * A resumable JSON scanner at string granularity, the grammar half of the streamed Bundle
 * rewrite (bundle-stream-scan.ts adds the rewrite through the hooks below).
 *
 * From a quote it jumps to the closing quote with indexOf; backslashes and control characters
 * are found the same way (their next positions are cached per chunk), so a string without
 * escapes costs one indexOf. Only the short text between strings is read character by
 * character. It validates everything JSON.parse does (strings, escapes, numbers, literals,
 * nesting, one value and nothing after it) and throws MalformedJsonError otherwise. Every
 * token may be cut by a chunk border; its state carries over to the next chunk.
 *
 * Containers get a role from the `valueStart` hook. A SKIP container (and all inside it) is
 * scanned by a tight loop without hooks; a SKIM object likewise, except for members whose key
 * is `skimKeyLength` long (or escaped), which go through the hooks.
 */
import { TextWindow } from "./bundle-stream-window.ts";

/** The text is not JSON. The message names the offset, never the content. */
export class MalformedJsonError extends Error {
  override name = "MalformedJsonError";
}

// What the grammar expects next.
export const VALUE = 0, VALUE_OR_END = 1, KEY = 2, KEY_OR_END = 3, COLON = 4;
export const COMMA_OR_END = 5, DONE = 6;
/** Kinds of value, for valueStart. */
export const V_STRING = 0, V_OBJECT = 1, V_ARRAY = 2, V_SCALAR = 3;
/** Roles the scanner itself knows; the hooks' own roles are above SKIM. */
export const SKIP = 0, SKIM = 1;
/** The role of `top` outside any container. */
export const TOP = 99;
// A token cut by a chunk border.
const NO_TOKEN = 0, STRING = 1, NUMBER = 2, LITERAL = 3;
// Number states (accepting: N_ZERO, N_INT, N_FRAC, N_EXP_DIGITS).
const N_START = 0, N_MINUS = 1, N_ZERO = 2, N_INT = 3, N_DOT = 4, N_FRAC = 5, N_E = 6;
const N_E_SIGN = 7, N_EXP_DIGITS = 8, N_END = 9, N_BAD = -1;

// Control characters are what JSON forbids raw inside strings. Newlines, returns and tabs
// (whitespace between tokens) are looked up with indexOf, which is fast where every line has
// one; the rest are rare, so one regex search a chunk usually finds none.
// deno-lint-ignore no-control-regex
const otherControl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

const found = (at: number, n: number) => at < 0 ? n : at;

/** The grammar; a subclass gives roles and rewrites through the hooks. */
export abstract class JsonScanner {
  protected readonly win = new TextWindow();
  /** The current chunk and the absolute offset of its first character. */
  protected text = "";
  protected base = 0;
  /** Set by a subclass to stop scanning (the rest of the text is not looked at). */
  protected stopped = false;

  protected expect = VALUE;
  protected depth = 0;
  protected top = TOP;
  protected roles: number[] = [];
  protected objects: boolean[] = [];
  /** Per frame: what the current member's key names (0: nothing; set by keyEnd). */
  protected keys: number[] = [];
  /** The string being read: key or value, absolute start (its quote), escapes seen. */
  protected strKey = false;
  protected strStart = 0;
  protected strEsc = false;
  /** Set by valueStart: the string value starting is one valueStringEnd must see. */
  protected relevant = false;
  protected tok = NO_TOKEN;

  /** Length of the one key of a SKIM object that goes through the hooks. */
  protected abstract readonly skimKeyLength: number;
  private bs = -1;
  private ctl = -1;
  private nl = -1;
  private cr = -1;
  private tab = -1;
  private other = -1;
  /** 0, or inside an escape: 1 after the backslash, 2..5 in `\u` with 6 - esc digits to go. */
  private esc = 0;
  private num = N_START;
  private lit = "";
  private litAt = 0;
  /** Frame index of the outermost SKIP container being skipped. */
  private skipBase = 0;

  // --- hooks ------------------------------------------------------------------------------

  /** A value starts at `i` (in a container that is not skipped); the role if it opens one. */
  protected abstract valueStart(kind: number, i: number): number;
  /** A key starts at `i` in the `top` container (not SKIP or SKIM). */
  protected abstract keyStart(i: number): void;
  /** A key ended just before `e`; sets `keys[depth - 1]`. */
  protected abstract keyEnd(e: number): void;
  /** A string value valueStart marked relevant ended just before `e`. */
  protected abstract valueStringEnd(e: number): void;
  /** A comma at `i` in the `top` container (not SKIP or SKIM). */
  protected abstract comma(i: number): void;
  /** A container of `role` closed at `i` (not SKIP or SKIM). */
  protected abstract closed(role: number, i: number): void;

  // --- driving ----------------------------------------------------------------------------

  /** Scans the next chunk. */
  protected scan(text: string): void {
    this.base = this.win.end;
    this.win.append(text);
    this.text = text;
    this.bs =
      this.ctl =
      this.nl =
      this.cr =
      this.tab =
      this.other =
        -1;
    this.run(this.resume());
  }

  /** The text ended: completes a number at the end, throws when the JSON is incomplete. */
  protected finish(): void {
    const num = this.num;
    if (
      this.tok === NUMBER &&
      (num === N_ZERO || num === N_INT || num === N_FRAC || num === N_EXP_DIGITS)
    ) {
      this.tok = NO_TOKEN;
      this.valueEnd();
    }
    if (this.expect === DONE) return;
    const blank = this.tok === NO_TOKEN && this.depth === 0 && this.expect === VALUE;
    if (!blank) this.bad("the text ends before the JSON does");
  }

  /** True when the text so far holds no value at all (blank). */
  protected get blank(): boolean {
    return this.tok === NO_TOKEN && this.depth === 0 && this.expect === VALUE;
  }

  /** The pending string's decoded value (it ended just before `e`). */
  protected stringValue(e: number): string {
    const end = this.base + e;
    if (!this.strEsc) return this.win.slice(this.strStart + 1, end - 1);
    return JSON.parse(this.win.slice(this.strStart, end)) as string;
  }

  /** True when the pending string (no escapes, ended just before `e`) is `name`. */
  protected rawIs(name: string, e: number): boolean {
    const at = this.strStart + 1 - this.base;
    if (at >= 0) return this.text.startsWith(name, at);
    return this.win.slice(this.strStart + 1, this.base + e - 1) === name;
  }

  /** True while a string cut by the chunk border is pending. */
  protected get inString(): boolean {
    return this.tok === STRING;
  }

  protected bad(what: string, i = -1): never {
    const at = i >= 0 ? ` at offset ${this.base + i}` : "";
    throw new MalformedJsonError(`The JSON text is malformed: ${what}${at}.`);
  }

  // --- the general loop -------------------------------------------------------------------

  private resume(): number {
    const tok = this.tok;
    if (tok === NO_TOKEN) return 0;
    if (tok === STRING) {
      const e = this.scanString(0);
      if (e < 0) return -1;
      this.tok = NO_TOKEN;
      this.stringEnd(e);
      return e;
    }
    if (tok === NUMBER) return this.scanNumber(0, this.num);
    return this.scanLiteral(0);
  }

  private run(i: number): void {
    const text = this.text;
    const n = text.length;
    while (i >= 0 && i < n && !this.stopped) {
      if (this.top <= SKIM) {
        i = this.skip(i);
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i = this.string(i);
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
        continue;
      }
      switch (c) {
        case 0x2c: // ,
          if (this.expect !== COMMA_OR_END || this.depth === 0) this.bad("a comma out of place", i);
          this.expect = this.objects[this.depth - 1] ? KEY : VALUE;
          this.comma(i);
          break;
        case 0x3a: // :
          if (this.expect !== COLON) this.bad("a colon out of place", i);
          this.expect = VALUE;
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.open(i, c === 0x7b);
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.close(i, c === 0x7d);
          break;
        default:
          i = this.scalar(i, true);
          continue;
      }
      i++;
    }
  }

  private string(i: number): number {
    const ex = this.expect;
    const key = ex === KEY || ex === KEY_OR_END;
    if (key) this.keyStart(i);
    else {
      if (ex !== VALUE && ex !== VALUE_OR_END) this.bad("a string out of place", i);
      this.valueStart(V_STRING, i);
    }
    this.tok = STRING;
    this.strKey = key;
    this.strStart = this.base + i;
    this.strEsc = false;
    const e = this.scanString(i + 1);
    if (e < 0) return -1;
    this.tok = NO_TOKEN;
    this.stringEnd(e);
    return e;
  }

  private stringEnd(e: number): void {
    if (this.strKey) {
      this.expect = COLON;
      const top = this.top;
      if (top === SKIP) return;
      if (
        top === SKIM && !this.strEsc && this.base + e - this.strStart - 2 !== this.skimKeyLength
      ) {
        this.keys[this.depth - 1] = 0;
        return;
      }
      return this.keyEnd(e);
    }
    this.valueEnd();
    if (this.relevant) {
      this.relevant = false;
      this.valueStringEnd(e);
    }
  }

  private open(i: number, object: boolean): void {
    const ex = this.expect;
    if (ex !== VALUE && ex !== VALUE_OR_END) this.bad("a bracket out of place", i);
    const role = this.valueStart(object ? V_OBJECT : V_ARRAY, i);
    const d = this.depth++;
    this.roles[d] = role;
    this.objects[d] = object;
    this.keys[d] = 0;
    if (role === SKIP) this.skipBase = d;
    this.top = role;
    this.expect = object ? KEY_OR_END : VALUE_OR_END;
  }

  private close(i: number, object: boolean): void {
    const d = this.depth - 1;
    if (d < 0 || this.objects[d] !== object) this.bad("a bracket that closes nothing", i);
    const ex = this.expect;
    if (ex !== COMMA_OR_END && ex !== (object ? KEY_OR_END : VALUE_OR_END)) {
      this.bad("a bracket out of place", i);
    }
    const role = this.top;
    this.depth = d;
    this.top = d > 0 ? this.roles[d - 1]! : TOP;
    this.valueEnd();
    this.closed(role, i);
  }

  protected valueEnd(): void {
    this.expect = this.depth === 0 ? DONE : COMMA_OR_END;
  }

  private scalar(i: number, hooks: boolean): number {
    const ex = this.expect;
    if (ex !== VALUE && ex !== VALUE_OR_END) this.bad("a value out of place", i);
    if (hooks) this.valueStart(V_SCALAR, i);
    const c = this.text.charCodeAt(i);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.scanNumber(i, N_START);
    this.lit = c === 0x74 ? "true" : c === 0x66 ? "false" : c === 0x6e ? "null" : "";
    if (!this.lit) this.bad("an unexpected character", i);
    this.litAt = 0;
    return this.scanLiteral(i);
  }

  // --- the tight loop over skipped containers ---------------------------------------------

  /**
   * Scans inside SKIP containers (or a SKIM object) from `i` until the outermost of them
   * closes; returns the index after it, or -1 when the chunk ends first.
   */
  private skip(i: number): number {
    const text = this.text;
    const n = text.length;
    const objects = this.objects;
    const roles = this.roles;
    const skim = this.top === SKIM ? this.depth : -1;
    const stop = skim >= 0 ? skim - 1 : this.skipBase;
    const skimLength = this.skimKeyLength;
    let depth = this.depth;
    let expect = this.expect;
    // Next backslash and control character at or after the current string (or n).
    let bs = this.bs;
    let ctl = this.ctl;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        // KEY and KEY_OR_END are 2 and 3, VALUE and VALUE_OR_END 0 and 1.
        const key = expect === KEY || expect === KEY_OR_END;
        if (!key && expect > VALUE_OR_END) this.bad("a string out of place", i);
        const atSkim = depth === skim;
        if (atSkim && !key && this.keys[depth - 1] !== 0) {
          this.sync(depth, expect);
          this.valueStart(V_STRING, i);
        }
        let e = text.indexOf('"', i + 1);
        if (bs <= i) {
          bs = text.indexOf("\\", i + 1);
          if (bs < 0) bs = n;
        }
        if (ctl <= i) ctl = this.nextControl(i + 1);
        if (e >= 0 && e < bs && e < ctl) {
          e++;
          if (atSkim) {
            this.strStart = this.base + i;
            this.strEsc = false;
          }
        } else {
          // Escapes, a control character, or the chunk's end: the full string scan.
          this.sync(depth, expect);
          this.bs = bs;
          this.ctl = ctl;
          this.tok = STRING;
          this.strKey = key;
          this.strStart = this.base + i;
          this.strEsc = false;
          e = this.scanString(i + 1);
          bs = this.bs;
          ctl = this.ctl;
          if (e < 0) return -1;
          this.tok = NO_TOKEN;
        }
        if (key) {
          expect = COLON;
          if (atSkim) {
            if (this.strEsc || e - i - 2 === skimLength) {
              this.sync(depth, expect);
              this.strKey = true;
              this.keyEnd(e);
            } else this.keys[depth - 1] = 0;
          }
        } else {
          expect = COMMA_OR_END;
          if (atSkim && this.relevant) {
            this.relevant = false;
            this.sync(depth, expect);
            this.valueStringEnd(e);
          }
        }
        i = e;
        continue;
      }
      switch (c) {
        case 0x20:
        case 0x0a:
        case 0x0d:
        case 0x09:
          break;
        case 0x2c: // ,
          if (expect !== COMMA_OR_END) this.bad("a comma out of place", i);
          expect = objects[depth - 1] ? KEY : VALUE;
          break;
        case 0x3a: // :
          if (expect !== COLON) this.bad("a colon out of place", i);
          expect = VALUE;
          break;
        case 0x7b: // {
        case 0x5b: {
          // [
          if (expect > VALUE_OR_END) this.bad("a bracket out of place", i);
          const object = c === 0x7b;
          let role = SKIP;
          if (depth === skim) {
            if (this.keys[depth - 1] !== 0) {
              this.sync(depth, expect);
              role = this.valueStart(object ? V_OBJECT : V_ARRAY, i);
            }
            this.skipBase = depth;
          }
          roles[depth] = role;
          objects[depth] = object;
          this.keys[depth] = 0;
          depth++;
          expect = object ? KEY_OR_END : VALUE_OR_END;
          break;
        }
        case 0x7d: // }
        case 0x5d: {
          // ]
          const object = c === 0x7d;
          if (objects[depth - 1] !== object) this.bad("a bracket that closes nothing", i);
          if (expect !== COMMA_OR_END && expect !== (object ? KEY_OR_END : VALUE_OR_END)) {
            this.bad("a bracket out of place", i);
          }
          depth--;
          expect = depth === 0 ? DONE : COMMA_OR_END;
          if (depth === stop) {
            this.sync(depth, expect);
            this.bs = bs;
            this.ctl = ctl;
            return i + 1;
          }
          break;
        }
        default: {
          this.sync(depth, expect);
          this.bs = bs;
          this.ctl = ctl;
          const at = this.scalar(i, depth === skim && this.keys[depth - 1] !== 0);
          expect = this.expect;
          if (at < 0) return -1;
          i = at;
          continue;
        }
      }
      i++;
    }
    this.sync(depth, expect);
    this.bs = bs;
    this.ctl = ctl;
    return -1;
  }

  /** The position of the next control character at or after `i` (the chunk's length if none). */
  private nextControl(i: number): number {
    const text = this.text;
    const n = text.length;
    if (this.nl < i) this.nl = found(text.indexOf("\n", i), n);
    if (this.cr < i) this.cr = found(text.indexOf("\r", i), n);
    if (this.tab < i) this.tab = found(text.indexOf("\t", i), n);
    if (this.other < i) {
      otherControl.lastIndex = i;
      this.other = otherControl.exec(text)?.index ?? n;
    }
    return Math.min(this.nl, this.cr, this.tab, this.other);
  }

  /** Writes the tight loop's state back (before a hook or a token scan sees it). */
  private sync(depth: number, expect: number): void {
    this.depth = depth;
    this.expect = expect;
    this.top = depth > 0 ? this.roles[depth - 1]! : TOP;
  }

  // --- tokens -----------------------------------------------------------------------------

  /** From inside a string to just past its closing quote; -1 when the chunk ends first. */
  private scanString(i: number): number {
    const text = this.text;
    const n = text.length;
    if (this.esc !== 0) {
      i = this.resumeEscape(i);
      if (i < 0) return -1;
    }
    for (;;) {
      let q = text.indexOf('"', i);
      if (q < 0) q = n;
      let bs = this.bs;
      if (bs < i) {
        bs = text.indexOf("\\", i);
        this.bs = bs = bs < 0 ? n : bs;
      }
      let ctl = this.ctl;
      if (ctl < i) this.ctl = ctl = this.nextControl(i);
      if (ctl < q && ctl < bs) this.bad("a control character in a string", ctl);
      if (bs < q) {
        this.strEsc = true;
        i = this.escapeAt(bs + 1);
        if (i < 0) return -1;
        continue;
      }
      return q === n ? -1 : q + 1;
    }
  }

  private escapeAt(j: number): number {
    const text = this.text;
    if (j >= text.length) {
      this.esc = 1;
      return -1;
    }
    const c = text.charCodeAt(j);
    if (c === 0x75) return this.hex(j + 1, 4);
    if (
      c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e ||
      c === 0x72 || c === 0x74
    ) return j + 1;
    return this.bad("a bad escape in a string", j);
  }

  private hex(j: number, need: number): number {
    const text = this.text;
    for (; need > 0; need--, j++) {
      if (j >= text.length) {
        this.esc = 6 - need;
        return -1;
      }
      const c = text.charCodeAt(j) | 0x20;
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
        this.bad("a bad \\u escape in a string", j);
      }
    }
    return j;
  }

  private resumeEscape(i: number): number {
    const esc = this.esc;
    this.esc = 0;
    return esc === 1 ? this.escapeAt(i) : this.hex(i, 6 - esc);
  }

  private scanLiteral(i: number): number {
    const text = this.text;
    const word = this.lit;
    let k = this.litAt;
    for (; k < word.length; k++, i++) {
      if (i >= text.length) {
        this.tok = LITERAL;
        this.litAt = k;
        return -1;
      }
      if (text.charCodeAt(i) !== word.charCodeAt(k)) this.bad("an unknown literal", i);
    }
    this.tok = NO_TOKEN;
    this.valueEnd();
    return i;
  }

  private scanNumber(i: number, st: number): number {
    const text = this.text;
    const n = text.length;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      const digit = c >= 0x30 && c <= 0x39;
      const e = (c | 0x20) === 0x65;
      switch (st) {
        case N_START:
          st = c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : digit ? N_INT : N_BAD;
          break;
        case N_MINUS:
          st = c === 0x30 ? N_ZERO : digit ? N_INT : N_BAD;
          break;
        case N_ZERO:
          st = c === 0x2e ? N_DOT : e ? N_E : N_END;
          break;
        case N_INT:
          st = digit ? N_INT : c === 0x2e ? N_DOT : e ? N_E : N_END;
          break;
        case N_DOT:
          st = digit ? N_FRAC : N_BAD;
          break;
        case N_FRAC:
          st = digit ? N_FRAC : e ? N_E : N_END;
          break;
        case N_E:
          st = c === 0x2b || c === 0x2d ? N_E_SIGN : digit ? N_EXP_DIGITS : N_BAD;
          break;
        case N_E_SIGN:
          st = digit ? N_EXP_DIGITS : N_BAD;
          break;
        default:
          st = digit ? N_EXP_DIGITS : N_END;
      }
      if (st === N_END) {
        this.tok = NO_TOKEN;
        this.valueEnd();
        return i;
      }
      if (st === N_BAD) this.bad("a malformed number", i);
    }
    this.tok = NUMBER;
    this.num = st;
    return -1;
  }
}
