/**
 * How a Bundle body is taken in: whole when it ends within a limit (so malformed JSON can
 * still be refused before anything is sent), as a stream when it does not.
 */

/** A body read whole (decoded as `Response.text()` decodes), or too long: a stream of it. */
export type SmallOrStream = { text: string } | { stream: ReadableStream<Uint8Array> };

/**
 * Reads `body` until it ends or passes `maxBytes`. Ended: its text. Longer: a stream of all
 * of it, the bytes read so far first (canceling it cancels the body).
 */
export async function readSmallBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<SmallOrStream> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size <= maxBytes) {
    const r = await reader.read();
    if (r.done) return { text: await new Blob(head as BlobPart[]).text() };
    head.push(r.value);
    size += r.value.byteLength;
  }
  return {
    stream: new ReadableStream<Uint8Array>({
      async pull(controller) {
        const first = head.shift();
        if (first) return controller.enqueue(first);
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    }),
  };
}
