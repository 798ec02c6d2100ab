import type { Context } from "hono";
import type { ClientAddress } from "./client-address.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The request's id, also sent back as X-Request-Id. */
    requestId: string;
  }
}

/** Options of createRequestId(). */
export interface RequestIdOptions {
  /** Where the request came from; a supplied id is kept only from a trusted proxy. */
  clientAddress: ClientAddress;
  /** Header name (default X-Request-Id). */
  header?: string;
  /** Makes a new id (default: a random UUID). */
  generate?: () => string;
}

/** Gives a request its id; the edge pass answers it in `header`. */
export interface RequestId {
  header: string;
  /** Decides the request's id and sets `c.get("requestId")`. */
  assign(c: Context): string;
}

/** What a supplied id may look like: short, and nothing a log line or header could misread. */
const wellFormed = /^[A-Za-z0-9._:=-]{1,128}$/;

/**
 * Gives every request an id (`c.get("requestId")`), answered in X-Request-Id. An id sent by a
 * trusted proxy is kept when well-formed, so one id follows the request through the proxy's
 * logs and ours; any other caller's id is replaced, so nobody can plant ids in logs.
 */
export function createRequestId(options: RequestIdOptions): RequestId {
  const header = options.header ?? "X-Request-Id";
  const generate = options.generate ?? (() => crypto.randomUUID());
  return {
    header,
    assign(c) {
      const supplied = c.req.header(header);
      const keep = supplied !== undefined && wellFormed.test(supplied) &&
        options.clientAddress(c).viaTrustedProxy;
      const id = keep ? supplied : generate();
      c.set("requestId", id);
      return id;
    },
  };
}

/** Sets a response header, copying the response first when its headers are immutable. */
export function setHeader(c: { res: Response }, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(name, value);
  }
}
