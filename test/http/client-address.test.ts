import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createClientAddress } from "../../src/http/client-address.ts";
import { formatIp, inRange, parseIp, parseIpRange } from "../../src/http/ip-range.ts";
import { parseConfig } from "../../src/config.ts";

describe("IP ranges", () => {
  it("parses IPv4, IPv6 and IPv4-mapped IPv6 (as Node reports IPv4 peers) into one form", () => {
    expect(formatIp(parseIp("10.1.2.3")!)).toBe("10.1.2.3");
    expect(formatIp(parseIp("::ffff:10.1.2.3")!)).toBe("10.1.2.3");
    expect(formatIp(parseIp("[2001:db8::1]")!)).toBe("2001:db8:0:0:0:0:0:1");
    expect(formatIp(parseIp("::1")!)).toBe("0:0:0:0:0:0:0:1");
    for (
      const bad of [
        "10.1.2",
        "10.1.2.256",
        "010.1.2.3",
        "1::2::3",
        "a b",
        "",
        "example.com",
        "1.2.3.4:80",
      ]
    ) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });

  it("matches CIDR blocks by prefix, never across address families", () => {
    const block = parseIpRange("10.0.0.0/8")!;
    expect(inRange(parseIp("10.255.0.1")!, block)).toBe(true);
    expect(inRange(parseIp("11.0.0.1")!, block)).toBe(false);
    const odd = parseIpRange("192.168.0.0/23")!;
    expect(inRange(parseIp("192.168.1.9")!, odd)).toBe(true);
    expect(inRange(parseIp("192.168.2.9")!, odd)).toBe(false);
    const v6 = parseIpRange("fd00::/8")!;
    expect(inRange(parseIp("fd12::1")!, v6)).toBe(true);
    expect(inRange(parseIp("10.0.0.1")!, v6)).toBe(false);
    expect(parseIpRange("10.0.0.0/33")).toBeUndefined();
    expect(parseIpRange("10.0.0.0/8/1")).toBeUndefined();
  });

  it("refuses FHIR_GATEWAY_TRUSTED_PROXIES entries that are not addresses or blocks", () => {
    expect(parseConfig({ FHIR_GATEWAY_TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).trustedProxies)
      .toEqual(["10.0.0.0/8", "::1"]);
    expect(() => parseConfig({ FHIR_GATEWAY_TRUSTED_PROXIES: "proxy.internal" }))
      .toThrow(/FHIR_GATEWAY_TRUSTED_PROXIES/);
  });
});

describe("client address", () => {
  const app = (trustedProxies: string[]) => {
    const address = createClientAddress({ trustedProxies });
    const hono = new Hono();
    hono.get("/", (c) => c.json(address(c)));
    return (peer: string | undefined, xff?: string) =>
      Promise.resolve(
        hono.request(
          "/",
          { headers: xff ? { "x-forwarded-for": xff } : {} },
          peer ? { incoming: { socket: { remoteAddress: peer } } } : undefined,
        ),
      ).then((r) => r.json());
  };

  it("is the socket peer (Node's form), and unknown without one", async () => {
    const ask = app([]);
    expect(await ask("::ffff:192.0.2.5", "198.51.100.1")).toEqual({
      address: "192.0.2.5",
      viaTrustedProxy: false,
    });
    expect(await ask(undefined)).toEqual({ address: "unknown", viaTrustedProxy: false });
  });

  it("takes the rightmost untrusted X-Forwarded-For hop behind trusted proxies, and stops at a malformed one", async () => {
    const ask = app(["10.0.0.0/8"]);
    expect((await ask("10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.2")).address).toBe("198.51.100.1");
    expect((await ask("10.0.0.1", "198.51.100.1, junk, 10.0.0.2")).address).toBe("10.0.0.2");
    expect((await ask("10.0.0.1")).address).toBe("10.0.0.1");
    expect((await ask("192.0.2.1", "198.51.100.1")).address).toBe("192.0.2.1");
  });
});
