import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";

describe("parseConfig", () => {
  it("has defaults that run on a fresh machine", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      host: "127.0.0.1",
      port: 8787,
      publicUrl: "http://localhost:8787",
      dataDir: "./data",
      store: "kv",
      production: false,
    });
  });

  it("honours plain PORT when FHIR_GATEWAY_PORT is unset, and prefers the prefixed one", () => {
    expect(parseConfig({ PORT: "9000" }).port).toBe(9000);
    expect(parseConfig({ PORT: "9000", FHIR_GATEWAY_PORT: "9100" }).port).toBe(9100);
  });

  it("chooses Redis when a Redis URL is set and strips the public URL's trailing slash", () => {
    const c = parseConfig({
      FHIR_GATEWAY_REDIS_URL: "redis://127.0.0.1:6379",
      FHIR_GATEWAY_PUBLIC_URL: "https://gw.example.org/",
    });
    expect(c.store).toBe("redis");
    expect(c.publicUrl).toBe("https://gw.example.org");
  });

  it("splits folder lists on : and ,", () => {
    expect(parseConfig({ FHIR_GATEWAY_PLATFORMS_DIR: "/a:/b,/c" }).platformDirs).toEqual([
      "/a",
      "/b",
      "/c",
    ]);
  });

  it("names every bad variable and its value", () => {
    let err: unknown;
    try {
      parseConfig({ FHIR_GATEWAY_PORT: "eighty", FHIR_GATEWAY_LOG_LEVEL: "loud" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('FHIR_GATEWAY_PORT="eighty"');
    expect(msg).toContain('FHIR_GATEWAY_LOG_LEVEL="loud"');
  });

  it("refuses a Redis store without a Redis URL", () => {
    expect(() => parseConfig({ FHIR_GATEWAY_STORE: "redis" })).toThrow(/FHIR_GATEWAY_REDIS_URL/);
  });
});
