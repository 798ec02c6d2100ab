/**
 * The Bundle link rewrite on the JSON text, as it streams: the same answer as
 * `rewriteBundleWithPages(JSON.parse(text), mapper)` (links.ts), without parsing the Bundle
 * into objects or serializing it again. The output is the input's own text except the
 * rewritten `Bundle.link` lists, fullUrls and response locations (bundle-stream-scan.ts).
 */
import { MalformedJsonError } from "./bundle-stream-json.ts";
import { AmbiguousBundleError, BundleScanner, type Piece } from "./bundle-stream-scan.ts";
import { createLinkMinter, isBundle, type LinkMapper, rewriteBundleWithPages } from "./links.ts";

export { AmbiguousBundleError, MalformedJsonError };

/** One streamed rewrite: decoded text in, rewritten text out. */
export interface BundleTextRewriter {
  /** The output decided by this chunk (may be ""). */
  push(text: string): Promise<string>;
  /** The rest; throws MalformedJsonError when the text is not one JSON value. */
  end(): Promise<string>;
}

/** Creates a rewriter for one JSON text fed in chunks. */
export function createBundleTextRewriter(mapper: LinkMapper): BundleTextRewriter {
  const scanner = new BundleScanner(mapper, createLinkMinter(mapper));
  const join = async (pieces: Piece[]): Promise<string> => {
    if (scanner.pending) {
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i]!;
        if (typeof piece !== "string") pieces[i] = await piece;
      }
    }
    return pieces.join("");
  };
  return {
    push: async (text) => await join(scanner.push(text)),
    end: async () => await join(scanner.end()),
  };
}

/**
 * The rewrite of a whole text (a body already read). Throws MalformedJsonError when it is not
 * JSON; a Bundle only the parsed rewrite can answer (AmbiguousBundleError) gets that one.
 */
export async function rewriteBundleText(text: string, mapper: LinkMapper): Promise<string> {
  const rewriter = createBundleTextRewriter(mapper);
  try {
    const head = await rewriter.push(text);
    return head + await rewriter.end();
  } catch (err) {
    if (!(err instanceof AmbiguousBundleError)) throw err;
    const value: unknown = JSON.parse(text);
    if (isBundle(value)) await rewriteBundleWithPages(value, mapper);
    return JSON.stringify(value);
  }
}

/**
 * The rewrite as a byte stream (UTF-8 in and out; a leading BOM and invalid bytes are
 * decoded as `Response.text()` decodes them). When the text turns out malformed or ambiguous
 * the stream errors (whatever was sent stays sent); `onError` hears of it first.
 */
export function bundleRewriteStream(
  mapper: LinkMapper,
  onError?: (err: unknown) => void,
): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const rewriter = createBundleTextRewriter(mapper);
  const send = (out: string, controller: TransformStreamDefaultController<Uint8Array>) => {
    if (out) controller.enqueue(encoder.encode(out));
  };
  const guard = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch (err) {
      onError?.(err);
      throw err;
    }
  };
  return new TransformStream({
    transform: (chunk, controller) =>
      guard(async () =>
        send(await rewriter.push(decoder.decode(chunk, { stream: true })), controller)
      ),
    flush: (controller) =>
      guard(async () => {
        const tail = await rewriter.push(decoder.decode());
        send(tail + await rewriter.end(), controller);
      }),
  });
}
