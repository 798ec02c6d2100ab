import * as stream from "node:stream";

// Node's own test for "read from or cancelled" (web streams too); missing from @types/node.
const isDisturbed = (stream as unknown as { isDisturbed(s: unknown): boolean }).isDisturbed;

/** The platform's own Response class, also when node-server has put its lightweight one in front. */
let PlatformResponse: typeof Response = Response;
while (Object.getPrototypeOf(PlatformResponse) !== Function.prototype) {
  PlatformResponse = Object.getPrototypeOf(PlatformResponse);
}

/**
 * The Node client's answer as a web Response, light to make: its status, headers and body are
 * plain fields, and a platform Response is built only when a body method (text, json, ...) is
 * called. The gateway reads the status, a few headers and the body stream of most answers;
 * building undici's Response for each (it copies every header) cost about 3% of a proxied read.
 * It is an instance of Response (prototype chain and tag), as node-server's own is; `clone()`
 * tees the body as fetch's does.
 */
class UpstreamResponse {
  readonly #status: number;
  readonly #statusText: string;
  readonly #headers: Headers;
  #body: ReadableStream<Uint8Array> | null;
  #full?: Response;

  constructor(
    status: number,
    statusText: string,
    headers: Headers,
    body: ReadableStream<Uint8Array> | null,
  ) {
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = headers;
    this.#body = body;
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status < 300;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.#body;
  }
  get bodyUsed(): boolean {
    return this.#body !== null && isDisturbed(this.#body);
  }
  get redirected(): boolean {
    return false;
  }
  get type(): ResponseType {
    return "basic";
  }
  get url(): string {
    return "";
  }

  /** The platform Response over the same body, for its body methods. */
  #platform(): Response {
    return this.#full ??= new PlatformResponse(this.#body, {
      status: this.#status,
      statusText: this.#statusText,
      headers: this.#headers,
    });
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#platform().arrayBuffer();
  }
  bytes(): Promise<Uint8Array> {
    const full = this.#platform() as Response & { bytes?(): Promise<Uint8Array> };
    return full.bytes ? full.bytes() : full.arrayBuffer().then((b) => new Uint8Array(b));
  }
  blob(): Promise<Blob> {
    return this.#platform().blob();
  }
  formData(): Promise<FormData> {
    return this.#platform().formData();
  }
  json(): Promise<unknown> {
    return this.#platform().json();
  }
  text(): Promise<string> {
    return this.#platform().text();
  }

  clone(): UpstreamResponse {
    if (this.bodyUsed || this.#body?.locked) {
      throw new TypeError("Response.clone: Body has already been consumed.");
    }
    let copy: ReadableStream<Uint8Array> | null = null;
    if (this.#body) [this.#body, copy] = this.#body.tee();
    this.#full = undefined;
    return new UpstreamResponse(this.#status, this.#statusText, new Headers(this.#headers), copy);
  }
}

Object.setPrototypeOf(UpstreamResponse.prototype, PlatformResponse.prototype);

/** An upstream answer as a Response (see UpstreamResponse). */
export function upstreamResponse(
  status: number,
  statusText: string,
  headers: Headers,
  body: ReadableStream<Uint8Array> | null,
): Response {
  return new UpstreamResponse(status, statusText, headers, body) as unknown as Response;
}
