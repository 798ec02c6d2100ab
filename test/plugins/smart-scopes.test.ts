import { describe, expect, it } from "vitest";
import { scopeVersionOf, toScopeVersion } from "../../plugins/_scope-syntax.ts";
import smartScopes from "../../plugins/smart-scopes.ts";
import { ctxOf, platformOf } from "./_platform.ts";

const asked = ["openid", "fhirUser", "launch/patient", "patient/*.read", "user/Observation.write"];

describe("SMART scope syntax", () => {
  it("rewrites v1 to v2: .read -> .rs, .write -> .cud, .* -> .cruds", () => {
    expect(toScopeVersion("patient/*.read", "v2")).toBe("patient/*.rs");
    expect(toScopeVersion("user/Observation.write", "v2")).toBe("user/Observation.cud");
    expect(toScopeVersion("system/Patient.*", "v2")).toBe("system/Patient.cruds");
  });

  it("rewrites v2 to v1, widening to the nearest v1 permission", () => {
    expect(toScopeVersion("patient/*.rs", "v1")).toBe("patient/*.read");
    expect(toScopeVersion("patient/Observation.r", "v1")).toBe("patient/Observation.read");
    expect(toScopeVersion("user/Condition.cud", "v1")).toBe("user/Condition.write");
    expect(toScopeVersion("user/Condition.cruds", "v1")).toBe("user/Condition.*");
    expect(toScopeVersion("user/Condition.rsd", "v1")).toBe("user/Condition.*");
  });

  it("drops v2 granular queries when going to v1, keeps them going to v2", () => {
    expect(toScopeVersion("patient/Observation.rs?category=laboratory", "v1"))
      .toBe("patient/Observation.read");
    expect(toScopeVersion("patient/Observation.read?category=laboratory", "v2"))
      .toBe("patient/Observation.rs?category=laboratory");
  });

  it("leaves non-clinical scopes and scopes already in the target syntax alone", () => {
    for (const s of ["openid", "fhirUser", "launch/patient", "offline_access", "profile"]) {
      expect(toScopeVersion(s, "v2")).toBe(s);
      expect(toScopeVersion(s, "v1")).toBe(s);
    }
    expect(toScopeVersion("patient/*.rs", "v2")).toBe("patient/*.rs");
    expect(toScopeVersion("patient/*.read", "v1")).toBe("patient/*.read");
  });
});

describe("smart-scopes plugin", () => {
  const rewrite = (
    file: Record<string, unknown>,
    discovery?: { capabilities: string[] },
    scopes = asked,
  ) =>
    smartScopes.rewriteScopes!(scopes, ctxOf(platformOf({ id: "acme", ...file }), { discovery }));

  it("speaks v2 to a platform whose discovery lists only permission-v2", async () => {
    expect(await rewrite({}, { capabilities: ["launch-standalone", "permission-v2"] })).toEqual([
      "openid",
      "fhirUser",
      "launch/patient",
      "patient/*.rs",
      "user/Observation.cud",
    ]);
  });

  it("speaks v1 to a platform whose discovery lists only permission-v1", async () => {
    const v2 = ["openid", "patient/*.rs", "patient/Observation.rs"];
    expect(await rewrite({}, { capabilities: ["permission-v1"] }, v2)).toEqual([
      "openid",
      "patient/*.read",
      "patient/Observation.read",
    ]);
  });

  it("sends scopes as asked when discovery lists both versions or neither", async () => {
    expect(await rewrite({}, { capabilities: ["permission-v1", "permission-v2"] })).toEqual(asked);
    expect(await rewrite({}, { capabilities: [] })).toEqual(asked);
    expect(await rewrite({})).toEqual(asked);
  });

  it("prefers the platform file's oauth.scope_version over discovery", async () => {
    const out = await rewrite({ oauth: { scope_version: "v1" } }, {
      capabilities: ["permission-v2"],
    }, ["patient/*.rs"]);
    expect(out).toEqual(["patient/*.read"]);
  });

  it("reads the file's smart_v1/smart_v2 capabilities when there is no discovery", () => {
    const p = (caps: Record<string, boolean>) => ctxOf(platformOf({ id: "x", capabilities: caps }));
    expect(scopeVersionOf(p({ smart_v2: true }))).toBe("v2");
    expect(scopeVersionOf(p({ smart_v1: true, smart_v2: false }))).toBe("v1");
    expect(scopeVersionOf(p({ smart_v1: true, smart_v2: true }))).toBeUndefined();
  });

  it("drops duplicates a rewrite creates", async () => {
    const out = await rewrite({ oauth: { scope_version: "v1" } }, undefined, [
      "patient/*.rs",
      "patient/*.r",
      "patient/*.read",
    ]);
    expect(out).toEqual(["patient/*.read"]);
  });
});
