import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MalformedJsonError, rewriteBundleText } from "../../src/fhir/bundle-stream.ts";
import { isBundle, rewriteBundleWithPages } from "../../src/fhir/links.ts";
import { fuzzSettings } from "../fuzz/_arbitraries.ts";
import {
  anyBundle,
  anySpelling,
  anySplits,
  cut,
  spell,
  streamed,
  testMapper,
} from "./_bundle-arbitraries.ts";

// The streamed rewrite must answer what the parsed one answers: for any JSON text,
// JSON.parse(stream output) deep-equals rewriteBundleWithPages(JSON.parse(text)). The texts
// are random Bundles (nested ones, odd links and entries, keys in any order) spelled with
// escapes, whitespace and duplicate keys, cut into chunks anywhere, and next to quotes,
// backslashes, `\u` escapes and UTF-8 bytes.
const mapper = testMapper();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Equal as JSON values: a number beyond a double's range (`1e400`) parses to Infinity, and
 * where either side was serialized by JSON.stringify (the parsed fallbacks) it reads `null`;
 * `-0` likewise becomes `0`. Both sides are compared as JSON.stringify writes them.
 */
const asJson = (v: unknown) => v === undefined ? undefined : JSON.parse(JSON.stringify(v));

async function reference(text: string): Promise<unknown> {
  // As toResult did before the stream: blank is no body, only a Bundle is rewritten.
  if (!text.trim()) return undefined;
  const value: unknown = JSON.parse(text);
  if (isBundle(value)) await rewriteBundleWithPages(value, mapper);
  return asJson(value);
}

describe("streamed Bundle rewrite equals the parsed rewrite", () => {
  it("for random Bundles, spellings and chunk cuts", async () => {
    await fc.assert(
      fc.asyncProperty(anyBundle, anySpelling, anySplits, async (bundle, spelling, splits) => {
        const text = spell(bundle, spelling);
        const bytes = encoder.encode(text);
        const out = await streamed(cut(bytes, splits), mapper);
        if ("error" in out) throw out.error;
        expect(asJson(JSON.parse(out.text))).toEqual(await reference(decoder.decode(bytes)));
      }),
      fuzzSettings("bundle-stream equals parsed", 1500),
    );
  });

  it("for one-byte chunks", async () => {
    await fc.assert(
      fc.asyncProperty(anyBundle, anySpelling, async (bundle, spelling) => {
        const bytes = encoder.encode(spell(bundle, spelling));
        const out = await streamed([...bytes].map((b) => Uint8Array.of(b)), mapper);
        if ("error" in out) throw out.error;
        expect(asJson(JSON.parse(out.text))).toEqual(await reference(decoder.decode(bytes)));
      }),
      fuzzSettings("bundle-stream one-byte chunks", 150),
    );
  });

  it("for whole texts, duplicate root keys included (rewriteBundleText)", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBundle,
        anySpelling,
        fc.constantFrom("", '"resourceType":"Patient",', '"resourceType":"Bundle",', '"link":5,'),
        async (bundle, spelling, rootDupe) => {
          const text = spell(bundle, spelling).replace(/^(\s*)\{/, `$1{${rootDupe}`);
          expect(asJson(JSON.parse(await rewriteBundleText(text, mapper))))
            .toEqual(await reference(text));
        },
      ),
      fuzzSettings("bundle-stream whole text", 500),
    );
  });

  it("errors exactly when JSON.parse does, for texts with a byte changed", async () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.constantFrom("drop", "insert", "replace"),
      fc.constantFrom(
        ...'{}[],:"\\ 0-.eE+tfnu1a\u00e9'.split(""),
      ),
    );
    await fc.assert(
      fc.asyncProperty(anyBundle, anySpelling, edit, anySplits, async (b, spelling, e, splits) => {
        const good = spell(b, spelling);
        const at = e[0] % (good.length + 1);
        // As the platform would send it: UTF-8 (a surrogate cut in half becomes U+FFFD).
        const text = decoder.decode(encoder.encode(
          good.slice(0, at) + (e[1] === "drop" ? "" : e[2]) +
            good.slice(e[1] === "insert" ? at : at + 1),
        ));
        let expected: unknown;
        try {
          expected = await reference(text);
        } catch {
          expected = MalformedJsonError;
        }
        const out = await streamed(cut(encoder.encode(text), splits), mapper);
        if (expected === MalformedJsonError) {
          expect("error" in out && out.error).toBeInstanceOf(MalformedJsonError);
          await expect(rewriteBundleText(text, mapper)).rejects.toBeInstanceOf(MalformedJsonError);
        } else {
          if ("error" in out) throw out.error;
          expect(out.text.trim() ? asJson(JSON.parse(out.text)) : undefined).toEqual(expected);
        }
      }),
      fuzzSettings("bundle-stream malformed", 1500),
    );
  });
});
