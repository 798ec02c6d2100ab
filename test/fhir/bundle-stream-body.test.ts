import { describe, expect, it } from "vitest";
import { readSmallBody } from "../../src/fhir/bundle-stream-body.ts";

const source = (chunks: string[], onCancel?: (reason: unknown) => void) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
      if (!onCancel) c.close();
    },
    cancel: onCancel,
  });

describe("readSmallBody", () => {
  it("answers the text of a body that ends within the limit, decoded as Response.text()", async () => {
    const bom = "\ufeff";
    const read = await readSmallBody(source([`${bom}{"a":`, '"\u00e9"}']), 100);
    expect(read).toEqual({ text: await new Response(`${bom}{"a":"\u00e9"}`).text() });
  });

  it("hands a longer body back as a stream of all of it, the bytes read first", async () => {
    const read = await readSmallBody(source(["aaaa", "bbbb", "cccc", "dddd"]), 5);
    expect("stream" in read && await new Response(read.stream).text()).toBe("aaaabbbbccccdddd");
  });

  it("cancels the body when the stream it handed back is canceled", async () => {
    let canceled: unknown;
    const read = await readSmallBody(source(["aaaa", "bbbb"], (r) => (canceled = r)), 3);
    if (!("stream" in read)) throw new Error("expected a stream");
    await read.stream.cancel("caller gone");
    expect(canceled).toBe("caller gone");
  });
});
