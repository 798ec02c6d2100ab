/**
 * Bodies for the Node upstream client (node-fetch.ts): a fetch BodyInit as bytes or a stream
 * to write, and an upstream IncomingMessage as a web ReadableStream, decoded as undici's fetch
 * decodes it, pulled with back-pressure.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { pipeline, type Readable, Transform, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";

/** A request body ready to write: bytes (replayable) or a stream (written once). */
export type EncodedBody =
  | { kind: "none" }
  | { kind: "bytes"; bytes: Uint8Array; contentType?: string }
  | { kind: "stream"; stream: ReadableStream<Uint8Array>; contentType?: string };

const none: EncodedBody = { kind: "none" };

/** Turns a fetch BodyInit into bytes or a stream, with the Content-Type fetch would add. */
export async function encodeBody(body: BodyInit | null | undefined): Promise<EncodedBody> {
  if (body === null || body === undefined) return none;
  if (typeof body === "string") {
    return { kind: "bytes", bytes: Buffer.from(body), contentType: "text/plain;charset=UTF-8" };
  }
  if (body instanceof Uint8Array) return { kind: "bytes", bytes: body };
  if (body instanceof URLSearchParams) {
    return {
      kind: "bytes",
      bytes: Buffer.from(body.toString()),
      contentType: "application/x-www-form-urlencoded;charset=UTF-8",
    };
  }
  if (body instanceof ReadableStream) return { kind: "stream", stream: body };
  if (body instanceof ArrayBuffer) return { kind: "bytes", bytes: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) {
    return { kind: "bytes", bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  }
  // Blob, FormData: let the platform's Response serialize them (multipart boundary, type).
  const r = new Response(body);
  return {
    kind: "bytes",
    bytes: new Uint8Array(await r.arrayBuffer()),
    contentType: r.headers.get("content-type") ?? undefined,
  };
}

/** Writes a stream body to `req` with back-pressure and ends it; a failing stream destroys it. */
export async function writeStreamBody(
  req: ClientRequest,
  stream: ReadableStream<Uint8Array>,
): Promise<void> {
  const reader = stream.getReader();
  const closed = () => req.destroyed;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (closed()) break;
      if (done) {
        req.end();
        return;
      }
      if (!req.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            req.off("drain", go);
            req.off("close", go);
            resolve();
          };
          req.on("drain", go);
          req.on("close", go);
        });
        if (closed()) break;
      }
    }
    await reader.cancel().catch(() => {});
  } catch (err) {
    req.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Content codings undici's fetch decodes, at most this many layered. */
const maxCodings = 5;

/**
 * The decoders for a Content-Encoding value, outermost last as undici applies them: an
 * unknown coding anywhere leaves the body as it came (the caller sees the header).
 */
export function decodersFor(contentEncoding: string | undefined): Transform[] {
  if (!contentEncoding) return [];
  const codings = contentEncoding.toLowerCase().split(",").map((c) => c.trim());
  if (codings.length > maxCodings) {
    throw new TypeError(
      `Too many content-encodings in the response (${codings.length}; at most ${maxCodings}).`,
    );
  }
  const decoders: Transform[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i];
    if (coding === "gzip" || coding === "x-gzip") {
      decoders.push(zlib.createGunzip(zlibFlush));
    } else if (coding === "deflate") {
      decoders.push(new InflateEither());
    } else if (coding === "br") {
      decoders.push(zlib.createBrotliDecompress(brotliFlush));
    } else {
      return [];
    }
  }
  return decoders;
}

// As undici: a body cut short ends where it stops instead of failing at the end.
const zlibFlush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const brotliFlush = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
};

/** `deflate` as servers send it: zlib-wrapped (RFC 1950) or raw, told by the first byte. */
class InflateEither extends Transform {
  #inner?: zlib.Inflate | zlib.InflateRaw;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.#inner) {
      if (chunk.length === 0) return done();
      // CMF's low nibble 8 is the deflate method of a zlib header.
      this.#inner = (chunk[0]! & 0x0f) === 0x08
        ? zlib.createInflate(zlibFlush)
        : zlib.createInflateRaw(zlibFlush);
      this.#inner.on("data", (d: Buffer) => this.push(d));
      this.#inner.on("end", () => this.push(null));
      this.#inner.on("error", (err) => this.destroy(err));
    }
    this.#inner.write(chunk, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.#inner) return done();
    this.#inner.once("end", () => done());
    this.#inner.end();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.#inner?.destroy();
    done(err);
  }
}

/** A response body still in Node form, for a server that writes it straight to its caller. */
export interface NodeBody {
  /** The bytes as the caller gets them: the upstream message, or its last decoder. */
  source: Readable;
  /** The upstream message itself. */
  message: IncomingMessage;
  /** The source's length in bytes, when the upstream declared it and nothing decodes it. */
  length?: number;
}

interface Entry extends NodeBody {
  /** Stops feeding the web stream (its Node source is taken). */
  detach(): void;
}

/** Web bodies nobody has read yet, by stream. */
const untouched = new WeakMap<ReadableStream<Uint8Array>, Entry>();

/**
 * A body dropped unread (a HEAD answer built from a GET, a hook that replaced the response)
 * would hold its pooled connection forever: once its stream is collected, the connection is
 * destroyed, as undici does for its own.
 */
const dropped = new FinalizationRegistry<Readable>((source) => source.destroy());

/**
 * The Node form of `body` when it is one of this client's response bodies and nobody has
 * read it. Taken once: the web stream gets nothing more, and must not be read after.
 */
export function takeNodeBody(body: ReadableStream<Uint8Array> | null): NodeBody | undefined {
  if (!body || body.locked) return undefined;
  const entry = untouched.get(body);
  if (!entry) return undefined;
  untouched.delete(body);
  dropped.unregister(body);
  entry.detach();
  return { source: entry.source, message: entry.message, length: entry.length };
}

/**
 * The response body: the message through its decoders, as a web stream that reads the
 * socket only while a read is pending (paused between reads), and destroys it (so the
 * connection is not reused) when cancelled. Errors end the stream as undici's do: the abort
 * reason when `signal` aborted, else TypeError "terminated" with the cause.
 */
export function toWebBody(
  message: IncomingMessage,
  decoders: Transform[],
  signal?: AbortSignal | null,
): ReadableStream<Uint8Array> {
  const source = decoded(message, decoders);
  let detach = () => {};
  const stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
    start(controller) {
      source.pause();
      detach = forward(source, new WeakRef(controller), signal);
    },
    pull() {
      // Read from the web side: no longer for a server to take.
      untouched.delete(stream);
      source.resume();
    },
    cancel() {
      detach();
      dropped.unregister(stream);
      source.destroy();
      message.destroy();
    },
    // Nothing is read ahead: the socket is read only for a pending read.
  }, { highWaterMark: 0 });
  const declared = message.headers["content-length"];
  const length = decoders.length === 0 && declared !== undefined && /^\d{1,15}$/.test(declared)
    ? Number(declared)
    : undefined;
  untouched.set(stream, { source, message, length, detach: () => detach() });
  dropped.register(stream, source, stream);
  return stream;
}

/** The message through its decoders (kept out of toWebBody's scope, which holds the stream). */
function decoded(message: IncomingMessage, decoders: Transform[]): Readable {
  if (decoders.length === 0) return message;
  // deno-lint-ignore no-explicit-any
  return (pipeline as any)(message, ...decoders, () => {});
}

/**
 * Feeds `source` into the web stream's controller; returns what stops it. Its own scope
 * holds the controller only weakly, so an unread stream can be collected (and `dropped`).
 */
function forward(
  source: Readable,
  ref: WeakRef<ReadableStreamDefaultController<Uint8Array>>,
  signal: AbortSignal | null | undefined,
): () => void {
  let done = false;
  const finish = (settle: (c: ReadableStreamDefaultController<Uint8Array>) => void) => {
    if (done) return;
    done = true;
    const controller = ref.deref();
    if (controller) settle(controller);
  };
  const onData = (chunk: Buffer) => {
    const controller = ref.deref();
    if (done) return;
    if (!controller) return void source.destroy();
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 0) <= 0) source.pause();
  };
  const onEnd = () => finish((c) => c.close());
  const onError = (err: unknown) =>
    finish((c) =>
      c.error(signal?.aborted ? signal.reason : new TypeError("terminated", { cause: err }))
    );
  // A source that closes without 'end' or 'error' was cut off.
  const onClose = () => onError(new Error("The upstream closed the connection mid-body."));
  source.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  return () => {
    done = true;
    source.off("data", onData).off("end", onEnd).off("close", onClose);
    // The error listener stays: an error with no listener would end the process.
    source.off("error", onError).on("error", () => {});
  };
}
