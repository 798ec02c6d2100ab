import { describe, expect, it } from "vitest";
import aud from "../../plugins/aud.ts";
import { ctxOf, platformOf, withTenant } from "./_platform.ts";

const base = "https://fhir.example.org/r4";
const run = (oauth: Record<string, unknown> | undefined, initial = "response_type=code") => {
  const p = platformOf({ id: "acme", fhir_base_url: `${base}/`, oauth });
  return aud.authorizeParams!(new URLSearchParams(initial), ctxOf(p)) as URLSearchParams;
};

describe("aud plugin", () => {
  it("sends the FHIR base by default, without the trailing slash of the file", () => {
    expect(run(undefined).get("aud")).toBe(base);
    expect(run({ aud: "fhir_base" }).get("aud")).toBe(base);
  });

  it("replaces an aud another step set with the configured one", () => {
    expect(run({ aud: "fhir_base" }, "aud=https://wrong.example").get("aud")).toBe(base);
  });

  it('drops aud for platforms that reject it ("none")', () => {
    const params = run({ aud: "none" }, "aud=x&scope=openid");
    expect(params.has("aud")).toBe(false);
    expect(params.get("scope")).toBe("openid");
  });

  it("sends a fixed audience exactly, trailing slash included", () => {
    expect(run({ aud: `${base}/` }).get("aud")).toBe(`${base}/`);
  });

  it("fills {tenant_id} of a fixed audience from the organization", () => {
    const p = withTenant(
      platformOf({ id: "acme", oauth: { aud: "https://fhir.example.org/r4/{tenant_id}/" } }),
      { id: "north", vendor_id: "abc-123", fhir_base_url: "https://fhir.example.org/r4/abc-123" },
    );
    const params = aud.authorizeParams!(new URLSearchParams(), ctxOf(p)) as URLSearchParams;
    expect(params.get("aud")).toBe("https://fhir.example.org/r4/abc-123/");
  });

  it("falls back to the FHIR base when a tenant template cannot be filled", () => {
    expect(run({ aud: "https://fhir.example.org/r4/{tenant_id}" }).get("aud")).toBe(base);
  });

  it("uses the env override of the FHIR base (a test or self-hosted server)", () => {
    const p = platformOf({ id: "acme", fhir_base_url: base }, {
      FHIR_GATEWAY_PLATFORM_ACME_FHIR_BASE_URL: "http://127.0.0.1:9999/fhir/",
    });
    const params = aud.authorizeParams!(new URLSearchParams(), ctxOf(p)) as URLSearchParams;
    expect(params.get("aud")).toBe("http://127.0.0.1:9999/fhir");
  });
});
