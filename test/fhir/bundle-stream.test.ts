import { describe, expect, it } from "vitest";
import { AmbiguousBundleError, holdLimit } from "../../src/fhir/bundle-stream-scan.ts";
import {
  bundleRewriteStream,
  createBundleTextRewriter,
  MalformedJsonError,
  rewriteBundleText,
} from "../../src/fhir/bundle-stream.ts";
import {
  gatewayBase as gw,
  streamed,
  testMapper,
  upstreamBase as up,
} from "./_bundle-arbitraries.ts";

const mapper = testMapper();
const bytes = (text: string) => new TextEncoder().encode(text);

describe("rewriteBundleText", () => {
  it("rewrites links, fullUrls and locations and copies everything else as it is", async () => {
    const text = `{"resourceType" : "Bundle", "type":"searchset",
      "link":[{"relation":"self","url":"${up}/Patient?name=x"},{"relation":"x","url":"https://evil.example/a"}],
      "entry":[
        {"fullUrl":"${up}/Patient/1", "resource":{"resourceType":"Patient","id":"1","note":"see ${up}\\/Patient\\/2"}},
        {"resource":{"resourceType":"Patient"},"fullUrl":"https://evil.example/Patient/9"},
        {"fullUrl":"urn:uuid:1","response":{"status":"201 Created","location":"${up}/Patient/3/_history/1"}},
        {"fullUrl":"h\\u0074tp:\\/\\/up.example\\/fhir\\/Patient\\/4"}
      ]}`;
    const out = await rewriteBundleText(text, mapper);
    expect(out).toBe(`{"resourceType" : "Bundle", "type":"searchset",
      "link":[{"relation":"self","url":"${gw}/Patient?name=x"}],
      "entry":[
        {"fullUrl":"${gw}/Patient/1", "resource":{"resourceType":"Patient","id":"1","note":"see ${up}\\/Patient\\/2"}},
        {"resource":{"resourceType":"Patient"}},
        {"fullUrl":"urn:uuid:1","response":{"status":"201 Created","location":"${gw}/Patient/3/_history/1"}},
        {"fullUrl":"${gw}/Patient/4"}
      ]}`);
  });

  it("mints page links for Bundle links only, in nested Bundles too", async () => {
    const odd = `${up}/paging/a%2Fb`;
    const out = JSON.parse(
      await rewriteBundleText(
        JSON.stringify({
          resourceType: "Bundle",
          link: [{ relation: "next", url: odd }],
          entry: [
            { fullUrl: odd },
            { resource: { resourceType: "Bundle", link: [{ relation: "next", url: odd }] } },
          ],
        }),
        mapper,
      ),
    );
    expect(out.link[0].url).toMatch(new RegExp(`^${gw}/_page\\?target=T\\d+$`));
    expect(out.entry[0]).toEqual({}); // a fullUrl never becomes a page link
    expect(out.entry[1].resource.link).toEqual(out.link);
  });

  it("leaves odd shapes as they are: link {}, entries that are null, lists, strings", async () => {
    const text =
      `{"resourceType":"Bundle","link":{},"entry":[null,[1],"x",3,{"fullUrl":5,"response":"r"}]}`;
    expect(await rewriteBundleText(text, mapper)).toBe(text);
  });

  it("rewrites nothing in what is not a Bundle", async () => {
    const text =
      `{"resourceType":"Patient","link":[{"url":"https://evil.example/"}],"entry":[{"fullUrl":"x"}]}`;
    expect(await rewriteBundleText(text, mapper)).toBe(text);
    expect(await rewriteBundleText(" [1, 2] ", mapper)).toBe(" [1, 2] ");
    expect(await rewriteBundleText("", mapper)).toBe("");
  });

  it("takes the last of duplicate keys, as JSON.parse does", async () => {
    const text =
      `{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/P/1","fullUrl":"https://evil.example/"}]}`;
    expect(JSON.parse(await rewriteBundleText(text, mapper))).toEqual({
      resourceType: "Bundle",
      entry: [{}],
    });
    const flipped = `{"resourceType":"Bundle","resourceType":"Patient","entry":[{"fullUrl":"x"}]}`;
    expect(JSON.parse(await rewriteBundleText(flipped, mapper)).entry).toEqual([{ fullUrl: "x" }]);
  });

  it("throws MalformedJsonError for what JSON.parse refuses, naming no content", async () => {
    for (const bad of ['{"a":1,}', '{"a":"x\ny"}', "[01]", '{"a":"\\q"}', "[", "{} x", "nul"]) {
      const err = await rewriteBundleText(bad, mapper).catch((e: unknown) => e);
      expect(err, bad).toBeInstanceOf(MalformedJsonError);
      expect((err as Error).message).not.toContain("x\ny");
    }
  });
});

describe("bundleRewriteStream", () => {
  it("rewrites a URL cut anywhere, even inside an escape or a UTF-8 character", async () => {
    const text = `{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/Patient/\\u0031"},` +
      `{"fullUrl":"${up}/Patient/\u00e9"}]}`;
    const all = bytes(text);
    const expected = await rewriteBundleText(text, mapper);
    for (let at = 1; at < all.length; at++) {
      const out = await streamed([all.subarray(0, at), all.subarray(at)], mapper);
      expect("text" in out && JSON.parse(out.text), `cut at ${at}`).toEqual(JSON.parse(expected));
    }
  });

  it("sends the Bundle on while it arrives: what is decided goes out with each chunk", async () => {
    const rewriter = createBundleTextRewriter(mapper);
    const first = await rewriter.push(
      `{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/P/1"},{"fullUrl":"${up}/P/`,
    );
    expect(first).toMatch(
      new RegExp(`^\\{"resourceType":"Bundle","entry":\\[\\{"fullUrl":"${gw}/P/1"`),
    );
    expect(first).not.toContain("P/2");
    const rest = await rewriter.push(`2"}]}`) + await rewriter.end();
    expect(JSON.parse(first + rest).entry).toEqual([{ fullUrl: `${gw}/P/1` }, {
      fullUrl: `${gw}/P/2`,
    }]);
  });

  it("releases an entry longer than holdLimit before its end", async () => {
    const rewriter = createBundleTextRewriter(mapper);
    await rewriter.push(
      `{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/P/1","resource":{"data":"`,
    );
    const middle = await rewriter.push("x".repeat(holdLimit + 10));
    expect(middle.length).toBeGreaterThan(holdLimit);
    expect(await rewriter.push(`"}}]}`)).toBe(`"}}]}`);
    expect(await rewriter.end()).toBe("");
    // A duplicate fullUrl after the release cannot be decided any more: the stream errors.
    const held = createBundleTextRewriter(mapper);
    await held.push(
      `{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/P/1","resource":{"data":"`,
    );
    await held.push("x".repeat(holdLimit + 10));
    await expect(held.push(`"},"fullUrl":"https://evil.example/"}]}`)).rejects.toBeInstanceOf(
      AmbiguousBundleError,
    );
  });

  it("errors when the root resourceType changes after output went out", async () => {
    const out = await streamed(
      [
        bytes(`{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/P/1"}],`),
        bytes(`"resourceType":"Patient"}`),
      ],
      mapper,
    );
    expect("error" in out && out.error).toBeInstanceOf(AmbiguousBundleError);
  });

  it("errors midway on malformed JSON, after what was sound went out, and says so once", async () => {
    const errors: unknown[] = [];
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes(`{"resourceType":"Bundle","entry":[{"fullUrl":"${up}/P/1"},`));
        c.enqueue(bytes(`{"fullUrl":"secret-${"y".repeat(10)}" oops}]}`));
        c.close();
      },
    });
    const reader = source.pipeThrough(bundleRewriteStream(mapper, (e) => errors.push(e)))
      .getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(
      new RegExp(`^\\{"resourceType":"Bundle","entry":\\[\\{"fullUrl":"${gw}/P/1"`),
    );
    await expect(reader.read()).rejects.toBeInstanceOf(MalformedJsonError);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).not.toContain("secret");
  });
});
