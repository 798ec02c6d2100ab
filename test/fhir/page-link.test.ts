import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.ts";
import { createPageLinks, randomPageLinkKey, underBase } from "../../src/fhir/page-link.ts";

const base = "https://up.example/fhir/r4";
const links = createPageLinks(await randomPageLinkKey());

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe("bad_request");
  expect((err as GatewayError).status).toBe(400);
  expect((err as GatewayError).next).toBe("use_returned_links");
  return err as GatewayError;
}

describe("createPageLinks", () => {
  it("round-trips an upstream paging URL under the base", async () => {
    const url = "https://up.example/fhir/r4/paging/abc?page=2&_count=10";
    const token = await links.mint("epic", url);
    expect(await links.verify("epic", token, base)).toBe(url);
    expect(await links.verify("epic", token, `${base}/`)).toBe(url);
  });

  it("keeps the upstream origin out of the token", async () => {
    const token = await links.mint("epic", "https://up.example/fhir/r4/p?x=1");
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
    const body = atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    expect(body).toBe("/fhir/r4/p?x=1");
    expect(token).not.toContain("up.example");
  });

  it("refuses a forged token: changed path, changed MAC, made up, or garbage", async () => {
    const token = await links.mint("epic", "https://up.example/fhir/r4/Patient?page=2");
    const [v, , sig] = token.split(".");
    const forgedPath = btoa("/fhir/r4/Patient?page=3").replace(/=+$/, "");
    await refusal(links.verify("epic", `${v}.${forgedPath}.${sig}`, base));
    const flipped = sig!.slice(0, -2) + (sig!.endsWith("AA") ? "BB" : "AA");
    await refusal(links.verify("epic", `${v}.${token.split(".")[1]}.${flipped}`, base));
    await refusal(links.verify("epic", "/fhir/r4/Patient?page=2", base));
    await refusal(links.verify("epic", "", base));
    await refusal(links.verify("epic", "p1..", base));
    await refusal(links.verify("epic", "p1.!!!.???", base));
    await refusal(links.verify("epic", `p1.${"A".repeat(9000)}.AA`, base));
  });

  it("refuses a token signed with another key", async () => {
    const other = createPageLinks(await randomPageLinkKey());
    const token = await other.mint("epic", "https://up.example/fhir/r4/Patient");
    await refusal(links.verify("epic", token, base));
  });

  it("verifies tokens of an older key after rotation, and mints with the newest", async () => {
    const older = await randomPageLinkKey();
    const newer = await randomPageLinkKey();
    const url = "https://up.example/fhir/r4/Patient?page=2";
    const before = await createPageLinks(older).mint("epic", url);
    const rotated = createPageLinks([newer, older]);
    expect(await rotated.verify("epic", before, base)).toBe(url);
    const after = await rotated.mint("epic", url);
    expect(await createPageLinks(newer).verify("epic", after, base)).toBe(url);
    await refusal(createPageLinks(older).verify("epic", after, base));
    expect(() => createPageLinks([])).toThrow(TypeError);
  });

  it("refuses a token minted for another platform, even with the same upstream", async () => {
    const token = await links.mint("epic", "https://up.example/fhir/r4/Patient?page=2");
    await refusal(links.verify("cerner", token, base));
    await refusal(links.verify("epic:other-tenant", token, base));
  });

  it("refuses a token minted for another origin (base moved, or another port)", async () => {
    const token = await links.mint("epic", "https://up.example:8443/fhir/r4/Patient");
    await refusal(links.verify("epic", token, base));
    const http = await links.mint("epic", "http://up.example/fhir/r4/Patient");
    await refusal(links.verify("epic", http, base));
  });

  it("refuses to mint a non-http URL", async () => {
    await expect(links.mint("epic", "file:///etc/passwd")).rejects.toThrow(TypeError);
  });

  // Regression (issue 9 item 6): targets reached any path of the upstream origin, and
  // `/.//evil.example/x` became the request line `GET //evil.example/x`. Signed but hostile
  // targets (an upstream that hands out such links) are refused as well.
  it.each([
    "/.//evil.example/x",
    "/",
    "/fhir/admin",
    "/fhir/r4admin/Patient",
    "/.well-known/smart-configuration",
    "/fhir/r4/../admin",
    "/fhir/r4/%2e%2e/admin",
    "/fhir/r4/%2E%2e/%2e%2E/x",
    "/fhir/r4/..%2fadmin",
    "/fhir/r4/a%2F..%2F..%2Fadmin",
    "/fhir/r4/a\\..\\..\\admin",
    "//evil.example/fhir/r4/x",
    "/fhir/r4/%zz",
    "/../../fhir/r4/x",
    "fhir/r4/x",
  ])("refuses the signed target %j outside the base", async (target) => {
    const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    const raw = createPageLinks(key as CryptoKey);
    // Sign the hostile path as it is (mint would have normalized it through URL).
    const token = await signRaw(key as CryptoKey, "epic", "https://up.example", target);
    await refusal(raw.verify("epic", token, base));
  });

  it("normalizes dot segments, repeated slashes and escaped unreserved characters", () => {
    const b = new URL(`${base}/`);
    expect(underBase("/fhir//r4/./Patient/%41bc?x=%2e%2e", b)).toBe(
      "https://up.example/fhir/r4/Patient/Abc?x=%2e%2e",
    );
    expect(underBase("/fhir/r4/a/../Patient", b)).toBe("https://up.example/fhir/r4/Patient");
    expect(underBase("/fhir/r4", b)).toBe("https://up.example/fhir/r4");
  });

  it("accepts anything on the origin when the base is the origin root", async () => {
    const token = await links.mint("local", "http://127.0.0.1:8080/.//evil.example/x");
    expect(await links.verify("local", token, "http://127.0.0.1:8080/")).toBe(
      "http://127.0.0.1:8080/evil.example/x",
    );
  });
});

/** A token in the format mint writes, over a path mint itself would have normalized. */
async function signRaw(key: CryptoKey, platform: string, origin: string, path: string) {
  const enc = new TextEncoder();
  const sig = await crypto.subtle.sign(
    "HMAC",
    key,
    enc.encode(["p1", platform, origin, path].join("\n")),
  );
  const b64 = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `p1.${b64(enc.encode(path))}.${b64(new Uint8Array(sig))}`;
}
