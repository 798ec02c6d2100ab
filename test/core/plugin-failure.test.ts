import { describe, expect, it } from "vitest";
import { definePlugin } from "../../src/hooks/define-plugin.ts";
import { makeTestApp } from "../helpers/test-app.ts";

// A bug in an operator's plugin must reach the caller as a clear 5xx OperationOutcome that
// names the plugin, with the error's own text (and stack) kept in the log only.
describe("a plugin hook that throws", () => {
  it("answers 500 with an OperationOutcome naming the plugin and hook, without details", async () => {
    const broken = definePlugin({
      name: "broken",
      platforms: ["acme"],
      beforeRequest() {
        throw new TypeError("cannot read Bearer sekret-token-value");
      },
    });
    const t = await makeTestApp({
      platforms: [{ id: "acme", fhir_base_url: "http://127.0.0.1:9/fhir" }],
      deps: { plugins: [broken] },
    });
    const res = await t.app.request("/api/fhir/acme/Patient?name=x");
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toContain("application/fhir+json");
    const text = await res.text();
    const outcome = JSON.parse(text);
    expect(outcome.resourceType).toBe("OperationOutcome");
    expect(outcome.issue[0].diagnostics).toContain(
      'Plugin "broken" failed in its beforeRequest hook.',
    );
    expect(outcome.issue[0].diagnostics).toContain("fix or remove the plugin");
    expect(text).not.toContain("sekret-token-value");
    expect(text).not.toMatch(/\n\s+at /);
    const log = t.log.lines.join("\n");
    expect(log).toContain('"plugin":"broken"');
    expect(log).not.toMatch(/\\n\s+at /);
  });
});
