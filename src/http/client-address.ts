import type { Context } from "hono";
import { formatIp, inRange, type IpRange, parseIp, parseIpRange } from "./ip-range.ts";

/** Where a request came from. */
export interface ClientInfo {
  /** The client's address: the peer, or the X-Forwarded-For hop a trusted proxy vouches for. */
  readonly address: string;
  /** True when the socket peer is one of the trusted proxies. */
  readonly viaTrustedProxy: boolean;
}

/** Options of createClientAddress. */
export interface ClientAddressOptions {
  /** Addresses or CIDR blocks of the reverse proxies in front of the gateway. */
  trustedProxies?: readonly string[];
}

/** Reads a request's client, once per request. */
export type ClientAddress = (c: Context) => ClientInfo;

const unknown: ClientInfo = { address: "unknown", viaTrustedProxy: false };

/**
 * Finds the client address of a request. The socket peer comes from the server adapter
 * (Deno.serve passes `remoteAddr`, @hono/node-server the Node socket); X-Forwarded-For is
 * read only when that peer is a trusted proxy, from the right, skipping trusted hops, so a
 * client cannot choose its own address by sending the header.
 */
export function createClientAddress(options: ClientAddressOptions = {}): ClientAddress {
  const ranges = (options.trustedProxies ?? []).map((entry) => {
    const range = parseIpRange(entry);
    if (!range) throw new Error(`Trusted proxy "${entry}" is not an IP address or CIDR block.`);
    return range;
  });
  const trusted = (bytes: Uint8Array) => ranges.some((r) => inRange(bytes, r));
  const seen = new WeakMap<Context, ClientInfo>();
  return function clientAddress(c) {
    const cached = seen.get(c);
    if (cached) return cached;
    const info = resolve(c, ranges, trusted);
    seen.set(c, info);
    return info;
  };
}

function resolve(
  c: Context,
  ranges: readonly IpRange[],
  trusted: (bytes: Uint8Array) => boolean,
): ClientInfo {
  const peerText = peerAddress(c.env);
  const peer = peerText === undefined ? undefined : parseIp(peerText);
  if (!peer) return unknown;
  if (ranges.length === 0 || !trusted(peer)) {
    return { address: formatIp(peer), viaTrustedProxy: false };
  }
  let client = peer;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    if (hops[i] === "") continue;
    const hop = parseIp(hops[i]!);
    // A malformed hop was written by the client side: trust nothing left of it.
    if (!hop) break;
    client = hop;
    if (!trusted(hop)) break;
  }
  return { address: formatIp(client), viaTrustedProxy: true };
}

/** The socket peer's address as the server adapter reports it, when it does. */
function peerAddress(env: unknown): string | undefined {
  const e = env as {
    remoteAddr?: { hostname?: unknown };
    incoming?: { socket?: { remoteAddress?: unknown } };
  } | undefined;
  const value = e?.remoteAddr?.hostname ?? e?.incoming?.socket?.remoteAddress;
  return typeof value === "string" ? value : undefined;
}
